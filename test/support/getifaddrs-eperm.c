/*
 * LD_PRELOAD shim: getifaddrs() always fails with EPERM, the way it does in sandboxes
 * and restricted containers. Under it, Node's os.networkInterfaces() throws
 *   SystemError [ERR_SYSTEM_ERROR]: A system error occurred:
 *   uv_interface_addresses returned Unknown system error 1
 * Build: gcc -shared -fPIC -O2 -o getifaddrs-eperm.so getifaddrs-eperm.c
 * (test/support/getifaddrs-shim.ts compiles it into the test cache.)
 */
#include <errno.h>
#include <stddef.h>

struct ifaddrs;

int getifaddrs(struct ifaddrs **ifap) {
  if (ifap != NULL) *ifap = NULL;
  errno = EPERM;
  return -1;
}

void freeifaddrs(struct ifaddrs *ifa) {
  (void)ifa;
}
