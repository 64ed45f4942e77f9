// rfsctl's commands; main.cc only calls Main. See main.cc for the usage.
#pragma once

namespace rfs::rfsctl {

int Main(int argc, char** argv);

}  // namespace rfs::rfsctl
