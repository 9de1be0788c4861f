// The log store's benchmark (run by bench/logstore.sh): how fast a 128 MiB
// snapshot becomes a durable bundle, how well it compresses, how fast the
// archive ingests it, and how much space 10 bundles of one guest take in the
// archive. Prints one JSON line per measurement; times are medians.
//
// usage: logstore_bench [--reps N] [--dir DIR] [--image RAW]... [--label TEXT]
//   --image RAW  raw guest memory dumps (e.g. from QEMU's pmemsave) to use
//                instead of the synthetic image; the first one is the snapshot
//                benchmark's image, all of them (up to 10) the dedupe set.
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "logstore/Archive.h"
#include "logstore/BundleWriter.h"
#include "logstore/PageRecord.h"
#include "tests/support/SampleBundle.h"

namespace {

using namespace tandem;
using Clock = std::chrono::steady_clock;
constexpr uint64_t kMemory = 128ull << 20;
constexpr int kBundles = 10;

double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

[[noreturn]] void die(const std::string& m) {
  std::fprintf(stderr, "logstore_bench: %s\n", m.c_str());
  std::exit(1);
}

void loadImage(const std::string& path, PhysMemory& mem) {
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(mem.base()), static_cast<std::streamsize>(mem.size()));
  if (in.gcount() != static_cast<std::streamsize>(mem.size())) die(path + ": not a 128 MiB memory image");
}

double cpuSeconds() {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::string loadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one.empty() ? "0" : one;
}

struct Written {
  double write_s = 0, durable_s = 0, cpu_s = 0;
  uint64_t bytes = 0;
};

Written writeBundle(const std::string& path, const PhysMemory& mem, uint64_t seed) {
  Written w;
  double c0 = cpuSeconds();
  auto t0 = Clock::now();
  auto bw = BundleWriter::create(path);
  if (!bw) die(bw.error().message);
  (*bw)->setManifest(testing::sampleManifest(mem.size(), 1700000000ll * 1000000000));
  if (auto s = (*bw)->writeSnapshot(testing::sampleSnapshotState(seed, 5000000), mem); !s) die(s.error().message);
  // A backup lagging two seconds behind at 250 Hz timer ticks: a few thousand events.
  for (const Event& e : testing::sampleEvents(seed, 5000000, 5000))
    if (auto s = (*bw)->appendEvent(e); !s) die(s.error().message);
  auto t1 = Clock::now();
  if (auto s = (*bw)->finish(); !s) die(s.error().message);
  auto t2 = Clock::now();
  w.write_s = seconds(t0, t1);
  w.durable_s = seconds(t0, t2);
  w.cpu_s = cpuSeconds() - c0;
  w.bytes = std::filesystem::file_size(path);
  return w;
}

// Bytes of the non-zero pages, and of their page records in a bundle of them.
std::pair<uint64_t, uint64_t> pageCompression(const PhysMemory& mem) {
  PageEncoder enc(BundleWriterOptions().page_zstd_level);
  Sha256 sha;
  std::vector<uint8_t> out;
  uint64_t raw = 0, stored = 0;
  for (uint64_t pfn = 0; pfn < mem.pageCount(); ++pfn) {
    const uint8_t* p = mem.base() + pfn * kPageSize;
    if (isZeroPage(p)) continue;
    out.clear();
    enc.append(p, sha.digest(p, kPageSize), out);
    raw += kPageSize;
    stored += out.size();
  }
  return {raw, stored};
}

uint64_t diskBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    struct stat st;
    if (stat(e.path().c_str(), &st) == 0) total += static_cast<uint64_t>(st.st_blocks) * 512;
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  std::string dir = std::filesystem::temp_directory_path() / "tandem-logstore-bench";
  std::vector<std::string> images;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--reps" && i + 1 < argc) reps = std::max(1, std::atoi(argv[++i]));
    else if (a == "--dir" && i + 1 < argc) dir = argv[++i];
    else if (a == "--image" && i + 1 < argc) images.push_back(argv[++i]);
    else die("unknown argument '" + a + "'");
  }
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const bool real = !images.empty();
  const std::string image_desc =
      real ? "QEMU memory dumps of the default guest panicking after boot (" + std::to_string(images.size()) + ")"
           : "synthetic: 128 MiB shaped like a booted i386 Linux guest (73% zero pages; code, text, kernel "
             "structures, page tables, sparse and incompressible pages), see tests/support/GuestImage.h";

  PhysMemory base(kMemory);
  if (real) loadImage(images[0], base);
  else testing::fillGuestImage(base, 1);

  // 1. A 128 MiB snapshot to a durable bundle.
  std::vector<double> write_s, durable_s, cpu_s;
  uint64_t bundle_bytes = 0;
  for (int r = 0; r < reps; ++r) {
    Written w = writeBundle(dir + "/snapshot.tandem", base, 1);
    write_s.push_back(w.write_s);
    durable_s.push_back(w.durable_s);
    cpu_s.push_back(w.cpu_s);
    bundle_bytes = w.bytes;
  }
  auto [raw, stored] = pageCompression(base);
  std::printf("{\"workload\":\"logstore_snapshot\",\"image\":\"%s\",\"memory_mib\":128,\"reps\":%d,"
              "\"write_s\":%.4f,\"durable_s\":%.4f,\"cpu_s\":%.4f,\"mb_per_s\":%.1f,\"bundle_bytes\":%llu,"
              "\"compression_ratio\":%.2f,\"nonzero_page_compression_ratio\":%.2f,\"nonzero_pages\":%llu,"
              "\"threads\":%u,\"load_average\":%s}\n",
              image_desc.c_str(), reps, median(write_s), median(durable_s), median(cpu_s), 128.0 / median(durable_s),
              static_cast<unsigned long long>(bundle_bytes), static_cast<double>(kMemory) / bundle_bytes,
              static_cast<double>(raw) / stored, static_cast<unsigned long long>(raw / kPageSize),
              std::clamp(std::thread::hardware_concurrency(), 1u, 4u), loadAverage().c_str());
  std::fflush(stdout);

  // 2. Ingesting it into a fresh archive.
  std::vector<double> ingest_s;
  for (int r = 0; r < reps; ++r) {
    std::filesystem::remove_all(dir + "/archive");
    auto a = Archive::open(dir + "/archive", true);
    if (!a) die(a.error().message);
    auto t0 = Clock::now();
    auto res = (*a)->ingest(dir + "/snapshot.tandem", 1);
    if (!res) die(res.error().message);
    ingest_s.push_back(seconds(t0, Clock::now()));
  }
  std::printf("{\"workload\":\"logstore_ingest\",\"bundle_bytes\":%llu,\"reps\":%d,\"ingest_s\":%.4f,\"mb_per_s\":%.1f}\n",
              static_cast<unsigned long long>(bundle_bytes), reps, median(ingest_s),
              static_cast<double>(bundle_bytes) / (1 << 20) / median(ingest_s));
  std::fflush(stdout);

  // 3. Ten crashes of the same guest in one archive.
  std::filesystem::remove_all(dir + "/archive");
  auto a = Archive::open(dir + "/archive", true);
  if (!a) die(a.error().message);
  uint64_t total_bundle_bytes = 0;
  int n = real ? std::min<int>(kBundles, static_cast<int>(images.size())) : kBundles;
  PhysMemory mem(kMemory);
  for (int i = 0; i < n; ++i) {
    if (real) {
      loadImage(images[static_cast<size_t>(i)], mem);
    } else {
      std::memcpy(mem.base(), base.base(), kMemory);
      testing::mutateGuestImage(mem, 100 + static_cast<uint64_t>(i));
    }
    std::string path = dir + "/crash" + std::to_string(i) + ".tandem";
    total_bundle_bytes += writeBundle(path, mem, 100 + static_cast<uint64_t>(i)).bytes;
    auto res = (*a)->ingest(path, 1);
    if (!res) die(res.error().message);
    std::filesystem::remove(path);
  }
  auto st = (*a)->stats();
  if (!st) die(st.error().message);
  double one = static_cast<double>(total_bundle_bytes) / n;
  std::printf("{\"workload\":\"logstore_dedupe\",\"image\":\"%s\",\"bundles\":%d,\"mean_bundle_bytes\":%.0f,"
              "\"archive_disk_bytes\":%llu,\"archive_stored_bytes\":%llu,\"dedupe_space_ratio\":%.2f,"
              "\"stored_space_ratio\":%.2f,\"pages_stored\":%llu}\n",
              image_desc.c_str(), n, one, static_cast<unsigned long long>(diskBytes(dir + "/archive")),
              static_cast<unsigned long long>(st->stored_bytes), diskBytes(dir + "/archive") / one,
              st->stored_bytes / one, static_cast<unsigned long long>(st->pages.pages));
  std::filesystem::remove_all(dir);
  return 0;
}
