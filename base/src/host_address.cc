// This host's announced address (host_address.h).
#include "zl/base/host_address.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "zl/base/error.h"

namespace zl {
namespace {

std::string ipv4_text(const sockaddr* address) {
  char text[INET_ADDRSTRLEN] = {};
  const auto* in = reinterpret_cast<const sockaddr_in*>(address);
  ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
  return text;
}

// The interface of the IPv4 default route (/proc/net/route: destination 00000000), "" when none.
std::string default_route_interface() {
  std::ifstream routes("/proc/net/route");
  std::string line;
  std::getline(routes, line);  // header
  while (std::getline(routes, line)) {
    std::istringstream fields(line);
    std::string interface;
    std::string destination;
    if (fields >> interface >> destination && destination == "00000000") return interface;
  }
  return {};
}

// The IPv4 addresses this host's name resolves to (/etc/hosts, DNS), in resolver order.
std::vector<std::string> hostname_addresses(std::string& hostname) {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) return {};
  hostname = name;
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(name, nullptr, &hints, &found) != 0) return {};
  std::vector<std::string> addresses;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) addresses.push_back(ipv4_text(a->ai_addr));
  ::freeaddrinfo(found);
  return addresses;
}

}  // namespace

bool is_loopback_address(const std::string& address) {
  return address == "localhost" || address.rfind("127.", 0) == 0 || address == "::1";
}

std::vector<InterfaceAddress> routable_interface_addresses() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return {};
  std::vector<InterfaceAddress> found;
  for (const ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) continue;
    if ((i->ifa_flags & IFF_UP) == 0 || (i->ifa_flags & IFF_LOOPBACK) != 0) continue;
    const std::string address = ipv4_text(i->ifa_addr);
    if (!is_loopback_address(address)) found.push_back({i->ifa_name, address});
  }
  ::freeifaddrs(list);
  return found;
}

std::string announced_host_address(std::string& chosen_because) {
  const std::vector<InterfaceAddress> interfaces = routable_interface_addresses();
  if (interfaces.empty()) {
    throw InfrastructureError(
        "this host has no network address but loopback, so the other machines of the job cannot reach its "
        "rendezvous store: set main_process_ip (--main_process_ip) to an address they can reach");
  }
  auto held = [&](const std::string& address) {
    return std::any_of(interfaces.begin(), interfaces.end(),
                       [&](const InterfaceAddress& i) { return i.address == address; });
  };
  std::string hostname;
  for (const std::string& address : hostname_addresses(hostname)) {
    if (held(address)) {
      chosen_because = "the address of this host's name " + hostname;
      return address;
    }
  }
  const std::string route = default_route_interface();
  for (const InterfaceAddress& i : interfaces) {
    if (!route.empty() && i.interface == route) {
      chosen_because = "the address of " + i.interface + ", the interface of the default route";
      return i.address;
    }
  }
  chosen_because = "the address of " + interfaces.front().interface + ", this host's first network interface";
  return interfaces.front().address;
}

}  // namespace zl
