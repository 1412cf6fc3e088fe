// Gathers the `zlaunch env` report from build-time facts (build_info.h), the machine (system_info.h),
// library calls that work without initialising anything (MPI_Get_library_version, openblas_get_config,
// cudart/NCCL/cuBLAS version queries) and the environment variables that change zlaunch's behaviour.
#include "env_report.h"

#include <mpi.h>

#include <cblas.h>

#include <cstdlib>
#include <sstream>

#include "zl/base/build_info.h"
#include "zl/base/system_info.h"
#include "zl/device/accelerator_info.h"
#include "zl/kernels/blas_core.h"

namespace zl::cli {
namespace {

// OpenBLAS's build and chosen core, with the OPENBLAS_CORETYPE to set when it misjudged this CPU.
std::string openblas_report() {
  std::string line = std::string(openblas_get_config()) + ", core " + kernels::blas_core_name();
  const std::string better = kernels::better_blas_coretype_here();
  if (!better.empty()) line += " (slow fallback on this CPU: set OPENBLAS_CORETYPE=" + better + "; zlaunch run does)";
  return line;
}

std::string gib(std::uint64_t bytes) {
  std::ostringstream os;
  os.precision(1);
  os << std::fixed << static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0) << " GiB";
  return os.str();
}

std::string mpi_library_version() {
  char buffer[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  if (MPI_Get_library_version(buffer, &length) != MPI_SUCCESS) return "unknown";
  std::string version(buffer, static_cast<std::size_t>(length));
  const auto comma = version.find(',');  // "Open MPI v4.1.4, package: ..." -> "Open MPI v4.1.4"
  return comma == std::string::npos ? version : version.substr(0, comma);
}

std::string environment_or(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value ? value : fallback;
}

}  // namespace

nlohmann::ordered_json gather_env_report() {
  nlohmann::ordered_json report;
  report["zlaunch"] = {{"version", build_info::kVersion},
                       {"build_type", build_info::kBuildType},
                       {"compiler", build_info::kCompiler},
                       {"cuda_compiler", build_info::kCudaCompiler},
                       {"cuda_architectures", build_info::kCudaArchitectures},
                       {"sanitizers", build_info::kSanitizers}};
  report["dependencies"] = {{"yaml-cpp", build_info::kYamlCppVersion},
                            {"nlohmann-json", build_info::kNlohmannJsonVersion},
                            {"CLI11", build_info::kCli11Version},
                            {"prometheus-cpp", build_info::kPrometheusCppVersion},
                            {"Gloo", build_info::kGlooVersion},
                            {"MPI", mpi_library_version() + " (MPI " + build_info::kMpiStandard + ")"},
                            {"OpenBLAS", openblas_report()}};

  const SystemInfo machine = query_system_info();
  report["machine"] = {{"hostname", machine.hostname},
                       {"os", machine.os},
                       {"cpu", machine.cpu_model},
                       {"simd", to_string(machine.simd)},
                       {"fma", machine.has_fma},
                       {"avx512_bf16", machine.has_avx512_bf16},
                       {"logical_cores", machine.logical_cores},
                       {"usable_cores", machine.usable_cores},
                       {"memory_total", gib(machine.memory_total_bytes)},
                       {"memory_available", gib(machine.memory_available_bytes)}};

  report["backends"] = {
      {"shm", true}, {"gloo", build_info::kHaveGloo}, {"mpi", build_info::kHaveMpi}, {"nccl", build_info::kHaveNccl}};

  const device::AcceleratorInfo cuda = device::query_accelerators();
  nlohmann::ordered_json gpus = nlohmann::ordered_json::array();
  for (const auto& gpu : cuda.gpus) {
    gpus.push_back(std::to_string(gpu.index) + ": " + gpu.name + " (sm_" +
                   std::to_string(gpu.compute_capability_major) + std::to_string(gpu.compute_capability_minor) + ", " +
                   gib(gpu.memory_bytes) + ")");
  }
  report["cuda"] = {{"compiled", cuda.cuda_compiled},
                    {"runtime", cuda.cuda_runtime_version.empty() ? "n/a" : cuda.cuda_runtime_version},
                    {"driver", cuda.cuda_driver_version.empty() ? "none" : cuda.cuda_driver_version},
                    {"nccl", cuda.nccl_version.empty() ? "n/a" : cuda.nccl_version},
                    {"cublas", cuda.cublas_version.empty() ? "n/a" : cuda.cublas_version},
                    {"gpus", gpus},
                    {"no_gpu_reason", cuda.no_gpu_reason},
                    {"CUDA_VISIBLE_DEVICES", environment_or("CUDA_VISIBLE_DEVICES", "(unset)")}};
  report["environment"] = {{"OMP_NUM_THREADS", environment_or("OMP_NUM_THREADS", "(unset)")},
                           {"ZLAUNCH_CONFIG", environment_or("ZLAUNCH_CONFIG", "(unset)")}};
  return report;
}

std::string format_env_report(const nlohmann::ordered_json& report) {
  std::ostringstream os;
  for (const auto& [section, facts] : report.items()) {
    os << section << ":\n";
    for (const auto& [key, value] : facts.items()) {
      os << "  " << key << ": ";
      if (value.is_string()) {
        os << value.get<std::string>();
      } else if (value.is_boolean()) {
        os << (value.get<bool>() ? "yes" : "no");
      } else if (value.is_array()) {
        if (value.empty()) os << "none";
        for (std::size_t i = 0; i < value.size(); ++i) os << (i ? "; " : "") << value[i].get<std::string>();
      } else {
        os << value.dump();
      }
      os << '\n';
    }
  }
  return os.str();
}

}  // namespace zl::cli
