"""The systems under test, by name (bench/systems/<name>.py)."""

from bench.systems.ironic_floor import IronicFloor
from bench.systems.openstack import OurDriver
from bench.systems.ovb_ipmi import OvbIpmi
from bench.systems.sushy_redfish import SushyRedfish

SYSTEM_CLASSES = {c.name: c for c in (OurDriver, SushyRedfish, OvbIpmi,
                                      IronicFloor)}
