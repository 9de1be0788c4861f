// The stub over a real socket with a hand-written client: what stock gdb
// never sends (junk, corrupt and overlong packets), a second client, and
// the command line's refusals.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "replayer/gdb/GdbPacket.h"
#include "tests/gdb/GdbLiveSession.h"

namespace tandem::test {
namespace {

class TcpClient {
 public:
  explicit TcpClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  }
  ~TcpClient() { ::close(fd_); }
  bool connected() const { return connected_; }

  void send(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }
  // Reads until `needle` arrives, the peer closes, or 20 s pass.
  bool readUntil(const std::string& needle) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (received.find(needle) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline || closed) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) closed = true;
      else received.append(buf, static_cast<size_t>(n));
    }
    return true;
  }

  std::string received;
  bool closed = false;

 private:
  int fd_;
  bool connected_ = false;
};

class RawProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(live.serving()); }
  GdbLiveSession live;
};

TEST_F(RawProtocolTest, JunkCorruptAndOverlongPacketsNeverStopTheServer) {
  TcpClient c(live.port());
  ASSERT_TRUE(c.connected());
  std::mt19937 rng(12345);
  std::string junk;
  for (int i = 0; i < 200000; ++i) junk += static_cast<char>(rng() & 0xFF);
  c.send(junk);
  c.send("$qC#00");                                         // bad checksum
  c.send(gdb::framePacket("M0," + std::string(100000, '0')));  // far past PacketSize
  c.send(gdb::framePacket("vFrobnicate;1;2;3"));               // unknown
  c.send(gdb::framePacket("m,"));                              // malformed
  c.send(gdb::framePacket("qC"));
  ASSERT_TRUE(c.readUntil(gdb::framePacket("QC1"))) << c.received.substr(0, 400);
  EXPECT_NE(c.received.find("-"), std::string::npos);  // the bad checksum was refused
  EXPECT_NE(c.received.find(gdb::framePacket("E01")), std::string::npos);
  // Still a working debugger.
  c.send(gdb::framePacket("s"));
  EXPECT_TRUE(c.readUntil("$T05thread:1;"));
  c.send(gdb::framePacket("k"));
  std::string server;
  EXPECT_EQ(live.serverExit(&server), 0);
  EXPECT_NE(server.find("killed by gdb"), std::string::npos) << server;
}

TEST_F(RawProtocolTest, ASecondClientIsTurnedAwayWhileOneIsServed) {
  TcpClient first(live.port());
  ASSERT_TRUE(first.connected());
  first.send("+" + gdb::framePacket("qC"));
  ASSERT_TRUE(first.readUntil(gdb::framePacket("QC1")));
  TcpClient second(live.port());
  ASSERT_TRUE(second.connected());
  second.send(gdb::framePacket("qC"));
  EXPECT_TRUE(second.readUntil("E.another gdb is already connected"));
  second.readUntil("<end>");
  EXPECT_TRUE(second.closed);
  first.send(gdb::framePacket("qAttached"));
  EXPECT_TRUE(first.readUntil(gdb::framePacket("1")));
}

TEST(GdbLiveServer, BreakpointsOfAClientThatVanishedDoNotOutliveIt) {
  GdbLiveSession live({}, GdbLiveSession::kManyClients);
  ASSERT_TRUE(live.serving());
  // The test guest's second instruction (CLD, right after CLI at _start).
  const std::string second_insn = "100011";
  {
    TcpClient first(live.port());
    first.send("+" + gdb::framePacket("Z0," + second_insn + ",1"));
    ASSERT_TRUE(first.readUntil(gdb::framePacket("OK")));
  }  // gone without removing it
  TcpClient second(live.port());
  second.send("+" + gdb::framePacket("c"));
  EXPECT_TRUE(second.readUntil(gdb::framePacket("W00"))) << second.received;
  second.send(gdb::framePacket("k"));
  std::string server;
  EXPECT_EQ(live.serverExit(&server), 0);
  EXPECT_NE(server.find("killed by gdb"), std::string::npos) << server;
}

TEST(GdbLiveCommand, RefusesBadAddressesAndPorts) {
  for (auto args : std::vector<std::vector<std::string>>{{"--address", "localhost:9"},
                                                         {"--port", "70000"},
                                                         {"--port", "-1"}}) {
    std::vector<std::string> argv = {TANDEM_BIN, "gdb-live", "--kernel",
                                     std::string(TANDEM_BUILD_DIR) + "/guests/gdb_target.elf"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto p = Subprocess::start(argv, Subprocess::Capture::kStdoutAndStderr);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->wait(10000), 2) << args[1];
    EXPECT_NE(p->output().find("tandem gdb-live: --"), std::string::npos) << p->output();
  }
}

}  // namespace
}  // namespace tandem::test
