"""Network backends: what a server's port is plugged into.

* ``nodataplane`` (fake compute): ports are bound and plugged into nothing;
  no packet moves. Nothing to run.
* ``bridge`` (libvirt compute): ports are bound as taps that the lab's
  libvirt hook puts into a bridge inside the lab's network namespace, where
  dnsmasq (DHCP, iPXE chain-loading) and Ironic's HTTP boot server answer.

Each backend module offers ``services(lab)``, ``ml2_conf()`` (Neutron's
ML2 settings) and ``MECHANISM_DRIVER``.
"""


def backend(virt):
    """The backend module for the compute mode ``virt``."""
    if virt == 'fake':
        from labkit.network import nodataplane
        return nodataplane
    from labkit.network import bridge
    return bridge


def services(lab):
    return backend(lab.virt).services(lab)
