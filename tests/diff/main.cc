// difftest: differential testing of tandem's CPU against the host processor.
// Without options it compares at least 1,000,000 instructions (all classes,
// seed 1) and prints `differential: N instructions compared, M mismatches`.
#include <ftw.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "tests/diff/DiffRunner.h"
#include "tests/diff/Lockstep.h"
#include "tests/diff/Strf.h"
#include "tools/Args.h"

using namespace tandem;
using namespace tandem::diff;

namespace {

const std::vector<cli::OptionSpec> kOptions = {
    {"seed", true, "seed of the batches (default 1)", "N"},
    {"instructions", true, "compare at least N instructions over the classes (default 1000000)", "N"},
    {"class", true, "only this class", "NAME"},
    {"cases", true, "cases per class (instead of --instructions)", "N"},
    {"case", true, "step case K of (--class, --seed) on both sides and report its first difference", "K"},
    {"asm", true, "step these instructions (separated by ';') from a zeroed state on both sides", "TEXT"},
    {"trace-host", false, "with --case: show the host's step-by-step execution only"},
    {"soak", false, "random seeds until SOAK_SECONDS (default 600) have passed"},
    {"diagnose", true, "step at most N mismatching cases per class to name their first difference (default 3)", "N"},
    {"workdir", true, "directory for the generated programs (default: a fresh one in /tmp)", "DIR"},
    {"keep", false, "keep the generated programs (in the fresh directory)"},
};

constexpr unsigned kMaxBatch = 10000;

int usage(const std::string& message) {
  std::fprintf(stderr, "difftest: %s\n%s", message.c_str(), cli::usageText("difftest [options]", kOptions).c_str());
  return 2;
}

int removeEntry(const char* path, const struct stat*, int, struct FTW*) { return std::remove(path); }

// Removes a fresh work directory on every way out of main(), unless kept.
// Failures are reproduced from (class, seed, case), not from these files.
struct WorkDir {
  std::string path;
  bool remove = false;
  ~WorkDir() {
    if (remove) nftw(path.c_str(), removeEntry, 16, FTW_DEPTH | FTW_PHYS);
    else if (!path.empty()) std::printf("generated programs kept in %s\n", path.c_str());
  }
};

struct Totals {
  uint64_t instructions = 0;
  uint64_t mismatches = 0;
};

void report(const BatchResult& b, Totals& t, bool quiet) {
  const char* name = classInfo(b.cls).name;
  t.instructions += b.instructions;
  t.mismatches += b.mismatches.size();
  if (quiet && b.mismatches.empty()) return;
  std::printf("  %-8s %5u cases (%4u ending in an exception), %7llu instructions (%llu %s), %zu mismatches\n",
              name, b.cases, b.host_faults, static_cast<unsigned long long>(b.instructions),
              static_cast<unsigned long long>(b.subjects), name, b.mismatches.size());
  for (const Mismatch& m : b.mismatches) {
    std::printf("MISMATCH class=%s seed=%llu case=%u (reproduce: difftest --class %s --seed %llu --case %u)\n",
                name, static_cast<unsigned long long>(b.seed), m.index, name,
                static_cast<unsigned long long>(b.seed), m.index);
    for (const std::string& d : m.differences) std::printf("    %s\n", d.c_str());
    if (!m.diagnosis.empty()) std::printf("  stepping: %s", m.diagnosis.c_str());
  }
}

int diagnose(const TestCase& c, bool host_only, const std::string& dir) {
  for (const EmittedInsn& e : c.code)
    std::printf("%s%s%s%s\n", e.label ? "" : "  ", e.text.c_str(), e.setup ? "    ; setup" : "",
                e.note.empty() ? "" : ("    ; " + e.note).c_str());
  if (!host_only) {
    std::printf("%s", Lockstep::runContained(c, dir).c_str());
    return 0;
  }
  auto r = Lockstep::traceHost(c, dir);
  if (!r) {
    std::fprintf(stderr, "difftest: %s\n", r.error().message.c_str());
    return 1;
  }
  std::printf("%s", r->c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto args = cli::parseArgs(std::vector<std::string>(argv + 1, argv + argc), kOptions);
  if (!args) return usage(args.error().message);
  auto number = [&](const char* name, uint64_t dflt) -> Result<uint64_t> {
    auto v = args->get(name);
    return v ? cli::parseUint(std::string("--") + name, *v) : Result<uint64_t>(dflt);
  };
  auto seed = number("seed", 1);
  auto instructions = number("instructions", 1000000);
  auto cases = number("cases", 0);
  auto diagnose_limit = number("diagnose", 3);
  if (!diagnose_limit) return usage(diagnose_limit.error().message);
  if (!seed) return usage(seed.error().message);
  if (!instructions) return usage(instructions.error().message);
  if (!cases) return usage(cases.error().message);
  std::vector<TestClass> classes;
  if (auto name = args->get("class")) {
    auto c = classByName(*name);
    if (!c) return usage("--class: unknown class " + *name);
    classes.push_back(*c);
  } else {
    for (unsigned i = 0; i < kClassCount; ++i) classes.push_back(static_cast<TestClass>(i));
  }

  WorkDir work;
  work.path = args->get("workdir").value_or("");
  if (work.path.empty()) {
    char tmpl[] = "/tmp/tandem-diff-XXXXXX";
    if (!mkdtemp(tmpl)) return usage("cannot create a directory in /tmp");
    work.path = tmpl;
    work.remove = !args->has("keep");
  }
  const std::string& dir = work.path;

  if (auto k = args->get("case")) {
    auto index = cli::parseUint("--case", *k);
    if (!index) return usage(index.error().message);
    if (classes.size() != 1) return usage("--case needs --class");
    const TestCase c = makeCase(classes[0], DiffRunner::caseSeed(classes[0], *seed, static_cast<unsigned>(*index)));
    std::printf("case %llu of class %s, seed %llu:\n", static_cast<unsigned long long>(*index),
                classInfo(classes[0]).name, static_cast<unsigned long long>(*seed));
    return diagnose(c, args->has("trace-host"), dir);
  }
  if (auto text = args->get("asm")) return diagnose(snippetCase(*text), args->has("trace-host"), dir);

  DiffRunner runner(dir, static_cast<unsigned>(*diagnose_limit));
  const bool soak = args->has("soak");
  Totals totals;
  bool failed = false;
  auto runRound = [&](uint64_t round_seed, unsigned max_cases, uint64_t per_class) {
    for (TestClass c : classes) {
      auto b = runner.runBatch(c, round_seed, max_cases, per_class);
      if (!b) {
        std::printf("ERROR class=%s seed=%llu: %s\n", classInfo(c).name,
                    static_cast<unsigned long long>(round_seed), b.error().message.c_str());
        failed = true;
        continue;
      }
      report(*b, totals, soak);
    }
  };

  if (soak) {
    const char* env = std::getenv("SOAK_SECONDS");
    const double seconds = env ? std::atof(env) : 600;
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    std::random_device rd;
    while (std::chrono::steady_clock::now() < end) {
      const uint64_t s = (uint64_t{rd()} << 32) | rd();
      const uint64_t before = totals.mismatches;
      runRound(s, *cases ? static_cast<unsigned>(*cases) : 400, 0);
      std::printf("soak round, seed %llu: %llu mismatches\n", static_cast<unsigned long long>(s),
                  static_cast<unsigned long long>(totals.mismatches - before));
      std::fflush(stdout);
    }
  } else if (*cases) {
    runRound(*seed, static_cast<unsigned>(*cases), 0);
  } else {
    runRound(*seed, kMaxBatch, (*instructions + classes.size() - 1) / classes.size());
  }
  std::printf("differential: %llu instructions compared, %llu mismatches\n",
              static_cast<unsigned long long>(totals.instructions), static_cast<unsigned long long>(totals.mismatches));
  const bool ok = !failed && totals.mismatches == 0;
  return ok ? 0 : 1;
}
