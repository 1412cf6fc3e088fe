// Launch YAML text generation and writing of config pairs; see config_writer.h.
#include "zl/config/config_writer.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "zl/base/error.h"
#include "zl/config/resolve.h"

namespace zl::config {

namespace fs = std::filesystem;

std::string launch_yaml_text(const LaunchSettings& l, const std::string& deepspeed_file) {
  std::ostringstream y;
  y << "# zlaunch launch config (see docs/config.md). Flags and ZLAUNCH_* variables override these values.\n"
    << "compute_environment: LOCAL_MACHINE\n"
    << "num_machines: " << l.num_machines << "\n"
    << "machine_rank: " << l.machine_rank << "\n"
    << "num_processes: " << l.num_processes << "    # total over all machines\n"
    << "main_process_ip: " << l.main_process_ip << "\n"
    << "main_process_port: " << l.main_process_port
    << (l.main_process_port == 0 ? "    # 0 = pick a free port\n" : "\n") << "launcher: " << to_string(l.launcher)
    << "\n";
  if (!l.hostfile.empty()) y << "hostfile: " << l.hostfile << "\n";
  y << "device: " << to_string(l.device) << "\n"
    << "mixed_precision: \"" << to_string(l.mixed_precision) << "\"\n"
    << "max_restarts: " << l.max_restarts << "\n"
    << "log_dir: " << l.log_dir << "\n"
    << "model: \"" << l.model << "\"\n"
    << "metrics:\n"
    << "  port: " << l.metrics.port << "\n"
    << "  bind: " << l.metrics.bind << "\n"
    << "deepspeed_config_file: " << deepspeed_file << "\n";
  return y.str();
}

namespace {

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  if (!out) throw SystemError("cannot write " + path.string(), errno);
  out << text;
  out.flush();
  if (!out) throw SystemError("cannot write " + path.string(), errno);
}

}  // namespace

WrittenConfig write_config_pair(const std::string& directory, const std::string& yaml_name,
                                const LaunchSettings& launch, const nlohmann::json& deepspeed, bool overwrite) {
  const fs::path dir = directory.empty() ? fs::path(".") : fs::path(directory);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw SystemError("cannot create " + dir.string(), ec.value());
  WrittenConfig written{(dir / yaml_name).string(), (dir / "ds_config.json").string()};
  if (!overwrite) {
    for (const auto& path : {written.launch_path, written.deepspeed_path}) {
      if (fs::exists(path))
        throw UsageError(path + " exists already; pass --force to replace it or --output DIR to write elsewhere");
    }
  }
  write_file(written.deepspeed_path, deepspeed.dump(2) + "\n");
  write_file(written.launch_path, launch_yaml_text(launch, "ds_config.json"));
  return written;
}

ResolvedConfig check_written_config(const WrittenConfig& written) {
  ResolveRequest request;
  request.config_file = written.launch_path;
  request.read_environment = false;
  request.read_default_files = false;
  return resolve(request);
}

}  // namespace zl::config
