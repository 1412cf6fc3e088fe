// manifest.json to and from the Manifest struct, with validation (zl/checkpoint/manifest.h).
#include "zl/checkpoint/manifest.h"

#include <cstdio>

#include "zl/base/error.h"
#include "zl/checkpoint/xxhash64.h"

namespace zl::checkpoint {
namespace {

using nlohmann::json;

json model_json(const config::ModelSpec& m) {
  return {{"name", m.name},     {"n_layer", m.n_layer},       {"n_head", m.n_head},
          {"n_embd", m.n_embd}, {"block_size", m.block_size}, {"vocab_size", m.vocab_size}};
}

config::ModelSpec model_from_json(const json& j) {
  config::ModelSpec m;
  m.name = j.at("name").get<std::string>();
  m.n_layer = j.at("n_layer").get<int>();
  m.n_head = j.at("n_head").get<int>();
  m.n_embd = j.at("n_embd").get<int>();
  m.block_size = j.at("block_size").get<int>();
  m.vocab_size = j.at("vocab_size").get<int>();
  return m;
}

json body_json(const Manifest& m) {
  json files = json::array();
  for (const auto& f : m.files) {
    files.push_back({{"rank", f.rank}, {"name", f.name}, {"bytes", f.bytes}, {"xxh64", hex64(f.xxh64)}});
  }
  json tensors = json::array();
  for (const auto& t : m.tensors) {
    json locations = json::object();
    for (const auto& [kind, pieces] : t.locations) {
      json list = json::array();
      for (const auto& p : pieces)
        list.push_back({{"rank", p.rank}, {"offset", p.byte_offset}, {"begin", p.begin}, {"end", p.end}});
      locations[kind] = list;
    }
    tensors.push_back({{"name", t.name},
                       {"layer", t.layer},
                       {"layer_offset", t.layer_offset},
                       {"shape", t.shape},
                       {"locations", locations}});
  }
  return {
      {"format", "zlaunch-checkpoint"},
      {"format_version", m.format_version},
      {"step", m.step},
      {"world_size", m.world_size},
      {"zero_stage", m.zero_stage},
      {"dtypes", {{"master", m.master_dtype}, {"optimizer", m.optimizer_dtype}}},
      {"model", model_json(m.model)},
      {"layer_sizes", m.layer_sizes},
      {"optimizer", {{"type", m.optimizer}, {"states", m.optimizer_states}, {"step_count", m.optimizer_step_count}}},
      {"scheduler", m.scheduler},
      {"loss_scaler", m.loss_scaler},
      {"data", m.data},
      {"rng", m.rng},
      {"config", m.config},
      {"config_digest", m.config_digest},
      {"checksum", "xxh64"},
      {"files", files},
      {"tensors", tensors}};
}

void validate(const Manifest& m, const std::string& path) {
  auto bad = [&](const std::string& what) { throw ConfigError(path + ": " + what); };
  if (m.world_size < 1) bad("world_size " + std::to_string(m.world_size) + " is not positive");
  if (m.files.size() != static_cast<std::size_t>(m.world_size)) {
    bad("lists " + std::to_string(m.files.size()) + " shard files for a world size of " + std::to_string(m.world_size));
  }
  for (std::size_t r = 0; r < m.files.size(); ++r) {
    if (m.files[r].rank != static_cast<int>(r) || m.files[r].name != shard_file_name(static_cast<int>(r))) {
      bad("files[" + std::to_string(r) + "] is not rank " + std::to_string(r) + "'s " +
          shard_file_name(static_cast<int>(r)));
    }
  }
  if (m.master_dtype != "F32" || m.optimizer_dtype != "F32") {
    bad("dtypes " + m.master_dtype + "/" + m.optimizer_dtype + ": this version reads F32 checkpoints only");
  }
  const std::vector<std::string> kinds = m.kinds();
  for (const auto& t : m.tensors) {
    if (t.layer >= m.layer_sizes.size() || t.layer_offset < 0 || t.layer_offset + t.numel() > m.layer_sizes[t.layer]) {
      bad("tensor '" + t.name + "' lies outside its layer " + std::to_string(t.layer));
    }
    for (const auto& kind : kinds) {
      const auto it = t.locations.find(kind);
      if (it == t.locations.end()) bad("tensor '" + t.name + "' has no '" + kind + "' locations");
      std::int64_t next = 0;
      for (const auto& p : it->second) {
        if (p.begin != next || p.end <= p.begin || p.rank < 0 || p.rank >= m.world_size ||
            p.byte_offset + static_cast<std::uint64_t>(p.end - p.begin) * 4 >
                m.files[static_cast<std::size_t>(p.rank)].bytes) {
          bad("tensor '" + t.name + "' " + kind + ": the piece [" + std::to_string(p.begin) + ", " +
              std::to_string(p.end) + ") on rank " + std::to_string(p.rank) +
              " does not continue the tensor or lies outside its shard file");
        }
        next = p.end;
      }
      if (next != t.numel()) {
        bad("tensor '" + t.name + "' " + kind + ": the pieces cover " + std::to_string(next) + " of " +
            std::to_string(t.numel()) + " elements");
      }
    }
  }
}

}  // namespace

std::vector<std::string> Manifest::kinds() const {
  std::vector<std::string> out{kMasterKind};
  out.insert(out.end(), optimizer_states.begin(), optimizer_states.end());
  return out;
}

const TensorRecord* Manifest::find(const std::string& name) const {
  for (const auto& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string shard_file_name(int rank) {
  char name[32];
  std::snprintf(name, sizeof(name), "rank_%05d.bin", rank);
  return name;
}

std::string manifest_to_text(const Manifest& manifest) {
  json j = body_json(manifest);
  j["manifest_xxh64"] = hex64(xxh64(j.dump().data(), j.dump().size()));
  return j.dump(1) + "\n";
}

Manifest manifest_from_text(const std::string& text, const std::string& path) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw ConfigError(path + ": not valid JSON (" + e.what() + ")");
  }
  Manifest m;
  try {
    if (!j.is_object() || j.value("format", "") != "zlaunch-checkpoint") {
      throw ConfigError(path + ": not a zlaunch checkpoint manifest (no \"format\": \"zlaunch-checkpoint\")");
    }
    m.format_version = j.at("format_version").get<int>();
    if (m.format_version != kFormatVersion) {
      throw ConfigError(path + ": format_version " + std::to_string(m.format_version) +
                        " is not supported (this build reads " + std::to_string(kFormatVersion) + ")");
    }
    const std::string recorded = j.at("manifest_xxh64").get<std::string>();
    json body = j;
    body.erase("manifest_xxh64");
    const std::string dumped = body.dump();
    const std::uint64_t actual = xxh64(dumped.data(), dumped.size());
    if (parse_hex64(recorded, path + ": manifest_xxh64") != actual) {
      throw ConfigError(path + ": the manifest was modified after it was written (its xxh64 is " + hex64(actual) +
                        ", manifest_xxh64 records " + recorded + ")");
    }
    m.step = j.at("step").get<std::int64_t>();
    m.world_size = j.at("world_size").get<int>();
    m.zero_stage = j.at("zero_stage").get<int>();
    m.master_dtype = j.at("dtypes").at("master").get<std::string>();
    m.optimizer_dtype = j.at("dtypes").at("optimizer").get<std::string>();
    m.model = model_from_json(j.at("model"));
    m.layer_sizes = j.at("layer_sizes").get<std::vector<std::int64_t>>();
    m.optimizer = j.at("optimizer").at("type").get<std::string>();
    m.optimizer_states = j.at("optimizer").at("states").get<std::vector<std::string>>();
    m.optimizer_step_count = j.at("optimizer").at("step_count").get<std::int64_t>();
    m.scheduler = j.at("scheduler");
    m.loss_scaler = j.value("loss_scaler", json::object());
    m.data = j.at("data");
    m.rng = j.at("rng");
    m.config = j.at("config");
    m.config_digest = j.at("config_digest").get<std::string>();
    for (const auto& f : j.at("files")) {
      m.files.push_back(ShardFile{f.at("rank").get<int>(), f.at("name").get<std::string>(),
                                  f.at("bytes").get<std::uint64_t>(),
                                  parse_hex64(f.at("xxh64").get<std::string>(), path + ": files[].xxh64")});
    }
    for (const auto& t : j.at("tensors")) {
      TensorRecord r;
      r.name = t.at("name").get<std::string>();
      r.layer = t.at("layer").get<std::size_t>();
      r.layer_offset = t.at("layer_offset").get<std::int64_t>();
      r.shape = t.at("shape").get<runtime::Shape>();
      for (const auto& [kind, list] : t.at("locations").items()) {
        auto& pieces = r.locations[kind];
        for (const auto& p : list) {
          pieces.push_back(Piece{p.at("rank").get<int>(), p.at("offset").get<std::uint64_t>(),
                                 p.at("begin").get<std::int64_t>(), p.at("end").get<std::int64_t>()});
        }
      }
      m.tensors.push_back(std::move(r));
    }
  } catch (const json::exception& e) {
    throw ConfigError(path + ": a required field is missing or has the wrong type (" + std::string(e.what()) + ")");
  }
  validate(m, path);
  return m;
}

}  // namespace zl::checkpoint
