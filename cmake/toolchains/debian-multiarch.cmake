# Cross-compiling with Debian's multiarch: the cross compiler
# (g++-<triplet>) and the foreign architecture's -dev packages installed
# next to the native ones, their libraries in /usr/lib/<triplet>/ and their
# headers in /usr/include (shared) and /usr/include/<triplet>/.
# scripts/install-cross-deps installs them; scripts/cross-build uses this.
#
# Included by the per-architecture files in this folder, which set
# EVENTBED_CROSS_ARCH (Debian's name), EVENTBED_CROSS_TRIPLET,
# EVENTBED_CROSS_PROCESSOR and EVENTBED_CROSS_QEMU.

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${EVENTBED_CROSS_PROCESSOR})
set(CMAKE_LIBRARY_ARCHITECTURE ${EVENTBED_CROSS_TRIPLET})
set(CMAKE_C_COMPILER ${EVENTBED_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${EVENTBED_CROSS_TRIPLET}-g++)

# CAF's Debian packages cannot be co-installed across architectures, so
# scripts/install-cross-deps unpacks the foreign ones into a folder of their
# own: search it first, then the multiarch paths of the whole system.
if(NOT DEFINED EVENTBED_CROSS_ROOT)
  if(DEFINED ENV{EVENTBED_CROSS_ROOT})
    set(EVENTBED_CROSS_ROOT $ENV{EVENTBED_CROSS_ROOT})
  else()
    set(EVENTBED_CROSS_ROOT $ENV{HOME}/.cache/eventbed-cross)
  endif()
endif()
set(EVENTBED_CROSS_EXTRA ${EVENTBED_CROSS_ROOT}/${EVENTBED_CROSS_ARCH})
set(CMAKE_FIND_ROOT_PATH ${EVENTBED_CROSS_EXTRA} /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# The unpacked libcaf_core.so links libcaf's runtime from the same folder.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,-rpath-link,${EVENTBED_CROSS_EXTRA}/usr/lib/${EVENTBED_CROSS_TRIPLET}")

# pkg-config reads only the foreign architecture's .pc files (and the
# architecture-independent ones).
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${EVENTBED_CROSS_TRIPLET}/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")

# Tests (and gtest_discover_tests) run the foreign binaries with qemu-user,
# its ELF interpreter and libraries from the multiarch paths of /, CAF's from
# the unpacked folder.
set(CMAKE_CROSSCOMPILING_EMULATOR
  ${EVENTBED_CROSS_QEMU} -L / -E LD_LIBRARY_PATH=${EVENTBED_CROSS_EXTRA}/usr/lib/${EVENTBED_CROSS_TRIPLET})
# List each test binary's cases when ctest runs, not while building, so a
# build never waits on the emulator.
set(CMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE PRE_TEST)
