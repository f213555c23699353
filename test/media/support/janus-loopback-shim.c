/*
 * For tests only: Janus 1.1 skips every interface flagged IFF_LOOPBACK when it gathers ICE
 * candidates, whatever ice_enforce_list says, so a Janus kept on 127.0.0.1 offers no candidate and
 * every PeerConnection fails. Loaded with LD_PRELOAD, this clears the flag on "lo" in what
 * getifaddrs() answers, and Janus offers 127.0.0.1. Built by test/media/support/janus.ts with the
 * machine's gcc (scripts/ensure-media-tools.sh installs it).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <string.h>

int getifaddrs(struct ifaddrs **ifap) {
  int (*real)(struct ifaddrs **) = (int (*)(struct ifaddrs **))dlsym(RTLD_NEXT, "getifaddrs");
  int rc = real(ifap);
  if (rc != 0) return rc;
  for (struct ifaddrs *i = *ifap; i != NULL; i = i->ifa_next) {
    if (i->ifa_name != NULL && strcmp(i->ifa_name, "lo") == 0) i->ifa_flags &= ~IFF_LOOPBACK;
  }
  return rc;
}
