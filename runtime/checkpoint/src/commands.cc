// The `zlaunch checkpoint` subcommands (zl/checkpoint/commands.h).
#include "zl/checkpoint/commands.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "zl/base/error.h"
#include "zl/checkpoint/consolidate.h"
#include "zl/checkpoint/inspect.h"

namespace zl::checkpoint {
namespace {

struct CheckpointArgs {
  std::string dir;
  std::string out;
  std::string dtype = "fp32";
};

}  // namespace

void define_checkpoint_command(CLI::App& checkpoint) {
  auto args = std::make_shared<CheckpointArgs>();
  checkpoint.require_subcommand(1);

  auto* inspect =
      checkpoint.add_subcommand("inspect", "Print a checkpoint's manifest and verify every file's checksum");
  inspect->add_option("DIR", args->dir, "a step directory, or a checkpoint directory (its `latest`)")->required();
  inspect->callback([args] {
    if (!inspect_checkpoint(args->dir, std::cout)) {
      throw ConfigError("zlaunch checkpoint inspect " + args->dir + ": some files failed verification (see above)");
    }
  });

  auto* consolidate = checkpoint.add_subcommand(
      "consolidate", "Write one Hugging Face GPT-2 safetensors file (plus config.json beside it) from a checkpoint");
  consolidate->add_option("DIR", args->dir, "a step directory, or a checkpoint directory (its `latest`)")->required();
  consolidate->add_option("--out", args->out, "the .safetensors file to write")->required();
  consolidate->add_option("--dtype", args->dtype, "fp32 | bf16 | fp16")
      ->check(CLI::IsMember({"fp32", "bf16", "fp16"}))
      ->capture_default_str();
  consolidate->callback([args] {
    const ConsolidateResult r =
        consolidate_checkpoint(args->dir, args->out, runtime::parse_dtype(args->dtype, "--dtype"));
    std::cout << "wrote " << r.safetensors_path << " (" << r.tensors << " tensors, " << r.bytes << " bytes, "
              << args->dtype << ") and " << r.config_path << "\n";
  });
}

}  // namespace zl::checkpoint
