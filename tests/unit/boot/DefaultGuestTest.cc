#include "vmm/boot/DefaultGuest.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

namespace tandem {
namespace {

// Sets an environment variable for one test and puts the old value back.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) setenv(name, value, 1); else unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) setenv(name_, old_->c_str(), 1); else unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(DefaultGuest, CacheDirFollowsTheSameRuleAsTheFetchScript) {
  ScopedEnv home("HOME", "/home/someone");
  {
    ScopedEnv cache("TANDEM_GUEST_CACHE", nullptr);
    ScopedEnv xdg("XDG_CACHE_HOME", nullptr);
    EXPECT_EQ(DefaultGuest::cacheDir(), "/home/someone/.cache/tandem/guest");
  }
  {
    ScopedEnv cache("TANDEM_GUEST_CACHE", nullptr);
    ScopedEnv xdg("XDG_CACHE_HOME", "");  // empty counts as unset, as ${VAR:-...} does
    EXPECT_EQ(DefaultGuest::cacheDir(), "/home/someone/.cache/tandem/guest");
  }
  {
    ScopedEnv cache("TANDEM_GUEST_CACHE", nullptr);
    ScopedEnv xdg("XDG_CACHE_HOME", "/var/cache/me");
    EXPECT_EQ(DefaultGuest::cacheDir(), "/var/cache/me/tandem/guest");
  }
  ScopedEnv cache("TANDEM_GUEST_CACHE", "/srv/guest");
  EXPECT_EQ(DefaultGuest::cacheDir(), "/srv/guest");
}

TEST(DefaultGuest, MissingGuestSaysHowToFetchIt) {
  std::string dir = ::testing::TempDir() + "/tandem-no-guest";
  ScopedEnv cache("TANDEM_GUEST_CACHE", dir.c_str());
  auto g = DefaultGuest::find();
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().message,
            "the default guest is not in " + dir + "; fetch it with guest/fetch-default-guest.sh");
}

TEST(DefaultGuest, FindsTheFilesTheFetchScriptWrites) {
  std::string dir = ::testing::TempDir() + "/tandem-guest-files";
  ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  std::ofstream(dir + "/vmlinuz") << "k";
  std::ofstream(dir + "/initramfs.cpio.gz") << "i";
  std::ofstream(dir + "/kernel-version") << "6.1.0-99-686\n";
  ScopedEnv cache("TANDEM_GUEST_CACHE", dir.c_str());
  auto g = DefaultGuest::find();
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_EQ(g->kernel, dir + "/vmlinuz");
  EXPECT_EQ(g->initrd, dir + "/initramfs.cpio.gz");
  EXPECT_EQ(g->kernel_version, "6.1.0-99-686");
  ASSERT_EQ(std::system(("rm -rf " + dir).c_str()), 0);
}

}  // namespace
}  // namespace tandem
