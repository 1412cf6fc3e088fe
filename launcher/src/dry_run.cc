// format_dry_run() (dry_run.h).
#include "zl/launcher/dry_run.h"

#include <sstream>

#include "zl/launcher/external_launch.h"

namespace zl::launcher {
namespace {

std::string env_line(std::map<std::string, std::string> env) {
  if (env.count("ZLAUNCH_STORE_TOKEN") != 0) env["ZLAUNCH_STORE_TOKEN"] = "<secret>";
  std::string out;
  for (const auto& [name, value] : env) out += (out.empty() ? "" : " ") + name + "=" + value;
  return out;
}

// The device line of the plan's header: the policy and what this launcher could count.
std::string device_summary(const DeviceAssignment& devices) {
  if (!devices.cuda()) return "cpu";
  std::string text = "cuda, one GPU per rank (local rank k uses visible GPU k); ";
  if (devices.visible_gpus == kGpusUnknown) {
    text += "GPUs are checked by the ranks on their hosts";
  } else {
    text += std::to_string(devices.visible_gpus) + " visible here";
  }
  text += devices.cuda_visible_devices
              ? ", CUDA_VISIBLE_DEVICES=" + *devices.cuda_visible_devices + " kept for every rank"
              : ", CUDA_VISIBLE_DEVICES not set (all GPUs visible)";
  return text;
}

}  // namespace

std::string format_dry_run(const LaunchPlan& plan, bool as_root) {
  std::ostringstream os;
  os << "zlaunch run plan (dry run: nothing is started)\n"
     << "run_id: " << plan.run_id << "\n"
     << "run_dir: " << plan.run_dir << "\n"
     << "launcher: " << config::to_string(plan.launcher) << "\n"
     << "machines: " << plan.num_machines << " (this is machine " << plan.machine_rank << ", host " << plan.hostname
     << ")\n"
     << "world_size: " << plan.world_size << " (" << plan.procs_per_machine << " per machine)\n"
     << "device: " << device_summary(plan.devices) << "\n"
     << "mixed_precision: " << plan.mixed_precision << ", max_restarts: " << plan.max_restarts << "\n"
     << "rendezvous store: " << plan.main_process_ip << ":"
     << (plan.store_port == 0 ? std::string("<free port chosen at launch>") : std::to_string(plan.store_port))
     << (plan.machine_rank == 0 ? " (served by this launcher)\n" : " (machine 0's launcher)\n");
  LaunchPlan shown = plan;
  if (plan.launcher == config::LauncherKind::kLocal) {
    for (int local = 0; local < plan.procs_per_machine; ++local) {
      os << "rank " << plan.first_rank() + local << " (local " << local << ", node " << plan.machine_rank << ")\n"
         << (plan.devices.cuda() ? "  device: " + describe_rank_device(plan.devices, local) + "\n" : "")
         << "  env: " << env_line(rank_environment(shown, 0, local)) << "\n"
         << "  command: " << shell_join(plan.command) << "\n";
    }
  } else {
    const auto env = external_environment(shown, 0);
    const auto argv =
        plan.launcher == config::LauncherKind::kMpi ? mpirun_command(shown, env, as_root) : srun_command(shown);
    os << "command: " << shell_join(argv) << "\n"
       << "  env (set for " << argv.front() << ", which passes it to every rank): " << env_line(env) << "\n";
  }
  if (!plan.devices.problem.empty()) {
    os << "error: " << plan.devices.problem << " (zlaunch run would stop here, exit 2)\n";
  }
  if (plan.store_port == 0 || plan.master_port == 0) {
    os << "note: ports shown as 0 are chosen when the run starts (MASTER_PORT: a free port distinct from the store)\n";
  }
  return os.str();
}

}  // namespace zl::launcher
