// A replayed bundle as the gdb stub's recording: its events still ahead,
// and leaving the replay (the replaying door goes live; checkpoints keep
// which side of that instant they are on).
#pragma once

#include "replayer/BundleReplay.h"
#include "replayer/gdb/RecordingControl.h"

namespace tandem {

class BundleReplayControl final : public gdb::RecordingControl {
 public:
  explicit BundleReplayControl(BundleReplay& replay) : replay_(replay) {}

  std::string nextEvents(uint64_t count) override;
  void goLive() override { replay_.door().goLive(); }
  bool live() const override { return replay_.door().live(); }

 private:
  BundleReplay& replay_;
};

}  // namespace tandem
