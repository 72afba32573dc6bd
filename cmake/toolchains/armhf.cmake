# 32-bit Arm, ARMv7-A with hardware float (Debian armhf, the linux/arm/v7
# image platform): scripts/cross-build armhf.
set(EVENTBED_CROSS_ARCH armhf)
set(EVENTBED_CROSS_TRIPLET arm-linux-gnueabihf)
set(EVENTBED_CROSS_PROCESSOR armv7l)
set(EVENTBED_CROSS_QEMU qemu-arm-static)
# GCC notes on every std::map of JSON that the ARM ABI passes parameters
# differently than GCC before 7.1 did: nothing here links code that old.
set(CMAKE_CXX_FLAGS_INIT -Wno-psabi)
include(${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake)
