# 64-bit Arm (Debian arm64, aarch64): scripts/cross-build arm64.
set(EVENTBED_CROSS_ARCH arm64)
set(EVENTBED_CROSS_TRIPLET aarch64-linux-gnu)
set(EVENTBED_CROSS_PROCESSOR aarch64)
set(EVENTBED_CROSS_QEMU qemu-aarch64-static)
include(${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake)
