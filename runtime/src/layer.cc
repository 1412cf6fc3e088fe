// Parameter lists of layers (zl/runtime/layer.h).
#include "zl/runtime/layer.h"

#include "zl/base/check.h"

namespace zl::runtime {

void Layer::add_parameter(const std::string& name, const Shape& shape) {
  specs_.push_back({name, shape, count_});
  count_ += shape_numel(shape);
}

Tensor Layer::parameter(const Tensor& flat, std::size_t index) const {
  ZL_CHECK(flat.numel() == count_, "layer '" << name_ << "' has " << count_ << " parameters, buffer " << flat.numel());
  const ParameterSpec& spec = specs_.at(index);
  return flat.view(spec.offset, spec.shape);
}

Tensor Layer::parameter(const Tensor& flat, const std::string& name) const {
  for (std::size_t i = 0; i < specs_.size(); ++i) {
    if (specs_[i].name == name) return parameter(flat, i);
  }
  ZL_CHECK(false, "layer '" << name_ << "' has no parameter '" << name << "'");
  return {};
}

}  // namespace zl::runtime
