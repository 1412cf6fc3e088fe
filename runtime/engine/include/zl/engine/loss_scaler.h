// LossScaler: DeepSpeed's fp16 loss scaling (deepspeed/runtime/fp16/loss_scaler.py), static or dynamic.
//
// fp16.loss_scale > 0 is a static scale that never changes (LossScaler in DeepSpeed); 0 selects the
// DynamicLossScaler: the scale starts at 2^initial_scale_power; an overflow (a non-finite gradient on
// any rank) skips the step and, once `hysteresis` overflows have used up the tolerance, divides the
// scale by 2 (never below min_loss_scale); loss_scale_window consecutive iterations without overflow
// since the last one double it (and restore the hysteresis). consecutive_hysteresis restores the
// hysteresis after every good iteration instead. As in DeepSpeed (raise_error_at_min_scale), an
// overflow when the scale is already at min_loss_scale and the hysteresis is exhausted is fatal.
//
// bf16 and fp32 training use LossScaler::none(): scale 1, update() only counts iterations.
// Not thread-safe; one per Engine, updated identically on every rank (the overflow flag is global).
#pragma once

#include <cstdint>
#include <string>

#include "zl/config/resolved_config.h"

namespace zl::engine {

// What a checkpoint saves (DeepSpeed's names).
struct LossScalerState {
  double cur_scale = 1.0;
  std::int64_t cur_iter = 0;
  std::int64_t last_overflow_iter = -1;
  int cur_hysteresis = 1;
};

class LossScaler {
 public:
  enum class Kind { kNone, kStatic, kDynamic };

  static LossScaler none() { return LossScaler(); }
  static LossScaler from(const config::Fp16Settings& fp16);

  [[nodiscard]] Kind kind() const { return kind_; }
  [[nodiscard]] bool dynamic() const { return kind_ == Kind::kDynamic; }
  [[nodiscard]] double scale() const { return state_.cur_scale; }
  [[nodiscard]] double min_scale() const { return min_scale_; }
  [[nodiscard]] const LossScalerState& state() const { return state_; }
  void restore(const LossScalerState& state) { state_ = state; }

  // After every optimizer step (skipped or not): `overflow` is the global non-finite flag. Returns a
  // one-line description of the change ("" when nothing noteworthy happened: no overflow and no
  // growth). Throws zl::Error when the scale would have to fall below min_loss_scale.
  std::string update(bool overflow);

 private:
  LossScaler() = default;

  Kind kind_ = Kind::kNone;
  LossScalerState state_;
  double scale_factor_ = 2.0;
  std::int64_t scale_window_ = 1000;
  double min_scale_ = 1.0;
  int delayed_shift_ = 1;
  bool consecutive_hysteresis_ = false;
};

[[nodiscard]] const char* to_string(LossScaler::Kind kind);

}  // namespace zl::engine
