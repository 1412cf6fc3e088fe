// DeepSpeed's static and dynamic loss scalers (loss_scaler.h), transcribed from
// deepspeed/runtime/fp16/loss_scaler.py (LossScaler, DynamicLossScaler.update_scale).
#include "zl/engine/loss_scaler.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "zl/base/error.h"

namespace zl::engine {

LossScaler LossScaler::from(const config::Fp16Settings& fp16) {
  LossScaler s;
  if (fp16.loss_scale > 0) {
    s.kind_ = Kind::kStatic;
    s.state_.cur_scale = fp16.loss_scale;
    return s;
  }
  if (fp16.loss_scale_window < 1 || fp16.hysteresis < 1 || !(fp16.min_loss_scale > 0)) {
    throw ConfigError("fp16: loss_scale_window and hysteresis must be >= 1 and min_loss_scale > 0 (got " +
                      std::to_string(fp16.loss_scale_window) + ", " + std::to_string(fp16.hysteresis) + ", " +
                      std::to_string(fp16.min_loss_scale) + ")");
  }
  s.kind_ = Kind::kDynamic;
  s.state_.cur_scale = std::ldexp(1.0, fp16.initial_scale_power);
  s.scale_window_ = fp16.loss_scale_window;
  s.min_scale_ = fp16.min_loss_scale;
  s.delayed_shift_ = fp16.hysteresis;
  s.state_.cur_hysteresis = fp16.hysteresis;
  s.consecutive_hysteresis_ = fp16.consecutive_hysteresis;
  return s;
}

std::string LossScaler::update(bool overflow) {
  std::ostringstream what;
  what << std::setprecision(17);
  LossScalerState& s = state_;
  if (kind_ != Kind::kDynamic) {
    ++s.cur_iter;
    return "";
  }
  if (overflow) {
    if (delayed_shift_ == 1 || s.cur_hysteresis == 1) {
      if (s.cur_scale == min_scale_) {
        std::ostringstream error;
        error << std::setprecision(17);
        error << "fp16 loss scale would fall below min_loss_scale=" << min_scale_
              << "; the gradients overflow at every step: iteration " << s.cur_iter + 1 << " overflowed at loss scale "
              << s.cur_scale << " (the minimum) with the hysteresis exhausted; lower the learning rate, look for "
              << "inf/NaN in the data or the model, lower fp16.min_loss_scale, or train in bf16";
        throw Error(error.str());
      }
      const double next = std::max(s.cur_scale / scale_factor_, min_scale_);
      what << "loss scale " << s.cur_scale << " -> " << next;
      s.cur_scale = next;
    } else {
      what << "loss scale " << s.cur_scale << " kept, hysteresis " << s.cur_hysteresis << " -> "
           << s.cur_hysteresis - 1;
      --s.cur_hysteresis;
    }
    s.last_overflow_iter = s.cur_iter;
  } else {
    if (consecutive_hysteresis_) s.cur_hysteresis = delayed_shift_;
    if ((s.cur_iter - s.last_overflow_iter) % scale_window_ == 0) {
      if (!consecutive_hysteresis_) s.cur_hysteresis = delayed_shift_;
      what << "loss scale " << s.cur_scale << " -> " << s.cur_scale * scale_factor_ << " after " << scale_window_
           << " iterations without overflow";
      s.cur_scale *= scale_factor_;
    }
  }
  ++s.cur_iter;
  return what.str();
}

const char* to_string(LossScaler::Kind kind) {
  switch (kind) {
    case LossScaler::Kind::kNone:
      return "none";
    case LossScaler::Kind::kStatic:
      return "static";
    case LossScaler::Kind::kDynamic:
      return "dynamic";
  }
  return "none";
}

}  // namespace zl::engine
