// This host's address as the other machines of a job reach it: where the launcher announces the
// rendezvous store when it starts every machine's ranks through mpirun or srun (--launcher mpi|slurm)
// and the user named no main_process_ip, and where a Gloo rank listens for its peers on other machines.
// A host's name alone is not enough: Debian maps it to 127.0.1.1, and small clusters often have no DNS.
#pragma once

#include <string>
#include <vector>

namespace zl {

struct InterfaceAddress {
  std::string interface;  // "eth0"
  std::string address;    // "10.0.0.1"
};

// Every IPv4 address of an interface that is up and not loopback, in the kernel's order.
std::vector<InterfaceAddress> routable_interface_addresses();

// The address to announce: the first of this host's name's own addresses (getaddrinfo(hostname)) that
// one of its interfaces holds, else the address of the interface of the default route, else the first
// routable interface address. Throws zl::InfrastructureError when the host has none (only loopback),
// saying to set main_process_ip. `chosen_because` receives a few words on why ("this host's name
// zlnode1", "the interface of the default route, eth0", ...).
std::string announced_host_address(std::string& chosen_because);

// 127.0.0.0/8, ::1 or "localhost": an address no other host can reach.
bool is_loopback_address(const std::string& address);

}  // namespace zl
