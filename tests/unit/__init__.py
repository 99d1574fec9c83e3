# Ironic's test package picks oslo.service's threading backend at import;
# it must come before anything imports ironic.conductor.
import ironic.tests.unit  # noqa: F401

# Import the driver (and the Ironic modules it pulls in) now: some of them
# probe the system at import, which Ironic's test base forbids inside tests.
import ironic_openstack_driver.hardware_type  # noqa: E402,F401
