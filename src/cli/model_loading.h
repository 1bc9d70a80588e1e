// Loading a model for an interactive command, with a progress bar on a terminal.
//
// Model::load maps the file; its pages are read from disk later, on first use, which makes the
// first reply of a large model slow for no visible reason. When stderr is a terminal this reads
// every page of the tensor data once up front (a pre-fault pass) under a progress bar, so the
// wait happens where the user expects it and shows how far along it is.
#pragma once

#include <memory>
#include <string>

#include "model/model.h"

namespace ruvllm::cli {

// Model::load, then the pre-fault pass with a progress bar when stderr is a terminal (or when
// `prefault` is forced true). Throws what Model::load throws.
std::shared_ptr<const Model> load_model_with_progress(const std::string& path,
                                                      bool force_prefault = false);

// Reads one byte of every page of the model's tensor data, reporting progress on stderr.
void prefault_model(const Model& model);

// The same pass over a GGUF file's tensor data, through a mapping of its own, when stderr is a
// terminal: for commands whose model is loaded elsewhere (the server's ModelService), whose own
// mapping then finds the pages in the page cache. A file that cannot be opened is left for the
// real load to report.
void warm_page_cache(const std::string& path);

}  // namespace ruvllm::cli
