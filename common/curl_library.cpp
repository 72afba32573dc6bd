#include "common/curl_library.hpp"

#include <dlfcn.h>

#include <stdexcept>
#include <string>

namespace eventbed {

namespace {

constexpr const char* soname = "libcurl.so.4";

template <class Fn>
void bind(void* handle, const char* name, Fn& fn) {
  void* symbol = dlsym(handle, name);
  if (symbol == nullptr)
    throw std::runtime_error(std::string(soname) + " has no " + name);
  fn = reinterpret_cast<Fn>(symbol);
}

curl_library load() {
  // RTLD_NODELETE: the functions must stay valid for the process's lifetime.
  void* handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (handle == nullptr) {
    const char* why = dlerror();
    throw std::runtime_error(std::string("HTTP requests need libcurl (") + soname + "): " +
                             (why != nullptr ? why : "dlopen failed"));
  }
  curl_library lib{};
  decltype(&curl_global_init) global_init = nullptr;
  bind(handle, "curl_global_init", global_init);
  bind(handle, "curl_easy_init", lib.easy_init);
  bind(handle, "curl_easy_cleanup", lib.easy_cleanup);
  bind(handle, "curl_easy_setopt", lib.easy_setopt);
  bind(handle, "curl_easy_perform", lib.easy_perform);
  bind(handle, "curl_easy_getinfo", lib.easy_getinfo);
  bind(handle, "curl_easy_strerror", lib.easy_strerror);
  bind(handle, "curl_slist_append", lib.slist_append);
  bind(handle, "curl_slist_free_all", lib.slist_free_all);
  // Not thread-safe in every libcurl: runs once, inside the static's initialisation.
  global_init(CURL_GLOBAL_DEFAULT);
  return lib;
}

}  // namespace

const curl_library& curl_library::get() {
  static const curl_library lib = load();
  return lib;
}

}  // namespace eventbed
