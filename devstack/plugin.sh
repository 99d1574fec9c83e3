#!/bin/bash
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

# plugin.sh - devstack plugin of ironic-openstack-driver.
#
# Adds the "openstack" hardware type to a devstack that runs Ironic: installs
# the driver, enables it in ironic.conf, writes the conductor's clouds.yaml
# for the host cloud, uploads the iPXE rescue images and, with
# IRONIC_OPENSTACK_NODES=N, creates N servers and enrolls them as nodes.
# devstack sources this file once per phase: "stack install|post-config|
# extra|test-config", "unstack", "clean". devstack/README.rst has the
# variables (defaults in devstack/settings).

# Append the items of a comma-separated list to a comma-separated option of
# an ini file, keeping what is there and adding nothing twice.
# ironic_openstack_append_list FILE SECTION OPTION ITEMS
function ironic_openstack_append_list {
    local file=$1 section=$2 option=$3 items=$4
    local current item
    current=$(iniget "$file" "$section" "$option")
    for item in ${items//,/ }; do
        if [[ ",$current," != *",$item,"* ]]; then
            current=${current:+$current,}$item
        fi
    done
    iniset "$file" "$section" "$option" "$current"
}

# A YAML single-quoted scalar.
function _ironic_openstack_yaml_quote {
    local value=${1//\'/\'\'}
    echo "'$value'"
}

# Which host cloud the nodes are servers of: "variables" when
# IRONIC_OPENSTACK_AUTH_URL is set, "devstack" for this devstack's own cloud
# when its Nova runs libvirt, nothing otherwise.
function ironic_openstack_host_cloud {
    if [[ -n "$IRONIC_OPENSTACK_AUTH_URL" ]]; then
        echo variables
    elif is_service_enabled n-cpu && [[ "$VIRT_DRIVER" == "libvirt" ]]; then
        echo devstack
    fi
}

# Write the conductor's clouds.yaml with one entry, the host cloud.
function ironic_openstack_write_clouds_yaml {
    local auth_url kind tmp
    local password=${IRONIC_OPENSTACK_PASSWORD:-${ADMIN_PASSWORD:-}}
    local region=${IRONIC_OPENSTACK_REGION_NAME:-${REGION_NAME:-}}
    kind=$(ironic_openstack_host_cloud)
    case "$kind" in
        variables)
            auth_url=$IRONIC_OPENSTACK_AUTH_URL
            ;;
        devstack)
            auth_url=$KEYSTONE_SERVICE_URI/v3
            ;;
        *)
            die $LINENO "ironic-openstack-driver: no host cloud: set" \
                "IRONIC_OPENSTACK_AUTH_URL (and its credentials), or run" \
                "Nova's compute with VIRT_DRIVER=libvirt in this devstack" \
                "(VIRT_DRIVER is '$VIRT_DRIVER')"
            return 1
            ;;
    esac
    tmp=$(mktemp)
    {
        echo "# Written by the ironic-openstack-driver devstack plugin:"
        echo "# the host cloud whose servers are Ironic's nodes."
        echo "clouds:"
        echo "  $IRONIC_OPENSTACK_CLOUD:"
        echo "    auth:"
        echo "      auth_url: $(_ironic_openstack_yaml_quote "$auth_url")"
        if [[ -n "$IRONIC_OPENSTACK_APP_CRED_ID" ]]; then
            echo "      application_credential_id:" \
                "$(_ironic_openstack_yaml_quote "$IRONIC_OPENSTACK_APP_CRED_ID")"
            echo "      application_credential_secret:" \
                "$(_ironic_openstack_yaml_quote "$IRONIC_OPENSTACK_APP_CRED_SECRET")"
            echo "    auth_type: v3applicationcredential"
        else
            echo "      username:" \
                "$(_ironic_openstack_yaml_quote "$IRONIC_OPENSTACK_USERNAME")"
            echo "      password: $(_ironic_openstack_yaml_quote "$password")"
            echo "      project_name:" \
                "$(_ironic_openstack_yaml_quote "$IRONIC_OPENSTACK_PROJECT_NAME")"
            echo "      user_domain_name:" \
                "$(_ironic_openstack_yaml_quote "$IRONIC_OPENSTACK_USER_DOMAIN_NAME")"
            echo "      project_domain_name:" \
                "$(_ironic_openstack_yaml_quote "$IRONIC_OPENSTACK_PROJECT_DOMAIN_NAME")"
            echo "    auth_type: password"
        fi
        if [[ -n "$region" ]]; then
            echo "    region_name: $(_ironic_openstack_yaml_quote "$region")"
        fi
        if [[ -n "$IRONIC_OPENSTACK_CACERT" ]]; then
            echo "    cacert: $(_ironic_openstack_yaml_quote "$IRONIC_OPENSTACK_CACERT")"
        fi
    } > "$tmp"
    # Secrets: readable by the conductor's user only.
    sudo install -D -m 0600 -o "$STACK_USER" "$tmp" "$IRONIC_OPENSTACK_CLOUDS_YAML"
    rm -f "$tmp"
}

# stack/install
function install_ironic_openstack_driver {
    setup_develop "$IRONIC_OPENSTACK_DRIVER_DIR"
    if [[ "$IRONIC_OPENSTACK_UPLOAD_RESCUE_IMAGE" == "True" ]]; then
        # /usr/lib/ipxe/ipxe.iso, the rescue image's default file.
        install_package ipxe
    fi
}

# stack/post-config: ironic.conf and clouds.yaml, before Ironic starts.
function configure_ironic_openstack_driver {
    ironic_openstack_write_clouds_yaml || return 1
    ironic_openstack_append_list "$IRONIC_CONF_FILE" DEFAULT \
        enabled_hardware_types openstack
    ironic_openstack_append_list "$IRONIC_CONF_FILE" DEFAULT \
        enabled_power_interfaces "$IRONIC_OPENSTACK_POWER_INTERFACES"
    ironic_openstack_append_list "$IRONIC_CONF_FILE" DEFAULT \
        enabled_management_interfaces "$IRONIC_OPENSTACK_MANAGEMENT_INTERFACES"
    ironic_openstack_append_list "$IRONIC_CONF_FILE" DEFAULT \
        enabled_boot_interfaces "$IRONIC_OPENSTACK_BOOT_INTERFACES"
    ironic_openstack_append_list "$IRONIC_CONF_FILE" DEFAULT \
        enabled_rescue_interfaces "$IRONIC_OPENSTACK_RESCUE_INTERFACES"
    iniset "$IRONIC_CONF_FILE" openstack clouds_yaml "$IRONIC_OPENSTACK_CLOUDS_YAML"
    iniset "$IRONIC_CONF_FILE" openstack cloud "$IRONIC_OPENSTACK_CLOUD"
    iniset "$IRONIC_CONF_FILE" openstack rescue_image "$IRONIC_OPENSTACK_RESCUE_IMAGE"
    iniset "$IRONIC_CONF_FILE" openstack uefi_rescue_image \
        "$IRONIC_OPENSTACK_UEFI_RESCUE_IMAGE"
}

# The enrollment tool against the host cloud.
function ironic_openstack_nodes {
    $IRONIC_OPENSTACK_NODES_CMD --os-config-file "$IRONIC_OPENSTACK_CLOUDS_YAML" \
        --os-cloud "$IRONIC_OPENSTACK_CLOUD" "$@"
}

# The openstack client against the host cloud.
function ironic_openstack_host_openstack {
    OS_CLIENT_CONFIG_FILE=$IRONIC_OPENSTACK_CLOUDS_YAML \
        openstack --os-cloud "$IRONIC_OPENSTACK_CLOUD" "$@"
}

# stack/extra: the iPXE rescue images (BIOS and UEFI) in the host cloud's
# Glance, under the names ironic.conf already gives.
function ironic_openstack_upload_rescue_images {
    ironic_openstack_nodes rescue-image \
        --file "$IRONIC_OPENSTACK_RESCUE_IMAGE_FILE" \
        --name "$IRONIC_OPENSTACK_RESCUE_IMAGE" || return 1
    ironic_openstack_nodes rescue-image --uefi \
        --file "$IRONIC_OPENSTACK_RESCUE_IMAGE_FILE" \
        --name "$IRONIC_OPENSTACK_UEFI_RESCUE_IMAGE" || return 1
}

# The servers' provisioning network: port security off, a subnet without
# DHCP (Ironic's DHCP must be the only one there).
function ironic_openstack_ensure_network {
    local net=$IRONIC_OPENSTACK_NETWORK
    if ironic_openstack_host_openstack network show "$net" >/dev/null 2>&1; then
        return 0
    fi
    ironic_openstack_host_openstack network create \
        --disable-port-security "$net" || return 1
    ironic_openstack_host_openstack subnet create --network "$net" \
        --subnet-range "$IRONIC_OPENSTACK_NETWORK_CIDR" --no-dhcp \
        --gateway none "$net-subnet" || return 1
}

# stack/extra with IRONIC_OPENSTACK_NODES=N: N servers, enrolled as nodes.
function ironic_openstack_create_nodes {
    local nodes_file=$IRONIC_OPENSTACK_DATA_DIR/nodes.json
    local state_args="--manage --provide"
    if [[ "$IRONIC_OPENSTACK_PROVIDE_NODES" != "True" ]]; then
        state_args=""
    fi
    ironic_openstack_ensure_network || return 1
    ironic_openstack_nodes create-nodes --count "$IRONIC_OPENSTACK_NODES" \
        --prefix "$IRONIC_OPENSTACK_NODE_PREFIX" \
        --flavor "$IRONIC_OPENSTACK_NODE_FLAVOR" \
        --image "$IRONIC_OPENSTACK_NODE_IMAGE" \
        --network "$IRONIC_OPENSTACK_NETWORK" || return 1
    mkdir -p "$IRONIC_OPENSTACK_DATA_DIR"
    ironic_openstack_nodes nodes-file \
        --prefix "$IRONIC_OPENSTACK_NODE_PREFIX" \
        --network "$IRONIC_OPENSTACK_NETWORK" \
        --driver-cloud "$IRONIC_OPENSTACK_CLOUD" \
        -o "$nodes_file" || return 1
    # Ironic's entry comes from devstack's own clouds.yaml; each server is
    # marked for its node in the host cloud.
    # shellcheck disable=SC2086
    ironic_openstack_nodes enroll --file "$nodes_file" \
        --ironic-cloud "$IRONIC_OPENSTACK_IRONIC_CLOUD" \
        --ironic-config-file "$IRONIC_OPENSTACK_IRONIC_CLOUDS_YAML" \
        $state_args || return 1
}

# stack/test-config: tell ironic-tempest-plugin about the hardware type and
# the interfaces added to ironic.conf, and this repository's tempest plugin
# ([openstack_driver]) where the nodes' servers are, which nodes are its,
# what the instance image prints once booted from disk and, when given, the
# DHCP lease file and the ramdisk test's kernel and initramfs. What stays
# unset makes the plugin's classes that need it fail
# (InvalidConfiguration), never skip.
function ironic_openstack_configure_tempest {
    local option value
    ironic_openstack_append_list "$TEMPEST_CONFIG" baremetal \
        enabled_hardware_types openstack
    ironic_openstack_append_list "$TEMPEST_CONFIG" baremetal \
        enabled_boot_interfaces "$IRONIC_OPENSTACK_BOOT_INTERFACES"
    ironic_openstack_append_list "$TEMPEST_CONFIG" baremetal \
        enabled_rescue_interfaces "$IRONIC_OPENSTACK_RESCUE_INTERFACES"
    # The plugin's classes are Ironic standalone tests, which tempest runs
    # only when it sees no Nova. This devstack's Nova (if any) holds the
    # nodes' servers, it does not deploy onto Ironic's nodes; with Nova's
    # ironic driver it would, and the classes then fail naming Nova.
    if [[ "${VIRT_DRIVER:-}" != "ironic" ]]; then
        iniset "$TEMPEST_CONFIG" service_available nova False
    fi
    iniset "$TEMPEST_CONFIG" openstack_driver host_clouds_yaml \
        "$IRONIC_OPENSTACK_CLOUDS_YAML"
    iniset "$TEMPEST_CONFIG" openstack_driver host_cloud \
        "$IRONIC_OPENSTACK_CLOUD"
    iniset "$TEMPEST_CONFIG" openstack_driver node_name_prefix \
        "$IRONIC_OPENSTACK_NODE_PREFIX"
    iniset "$TEMPEST_CONFIG" openstack_driver instance_console_line \
        "$IRONIC_OPENSTACK_TEMPEST_CONSOLE_LINE"
    for option in dhcp_leases_file ramdisk_kernel ramdisk_ramdisk; do
        case "$option" in
            dhcp_leases_file) value=$IRONIC_OPENSTACK_TEMPEST_DHCP_LEASES_FILE ;;
            ramdisk_kernel) value=$IRONIC_OPENSTACK_TEMPEST_RAMDISK_KERNEL ;;
            ramdisk_ramdisk) value=$IRONIC_OPENSTACK_TEMPEST_RAMDISK ;;
        esac
        if [[ -n "$value" ]]; then
            iniset "$TEMPEST_CONFIG" openstack_driver "$option" "$value"
        fi
    done
}

# clean: the files the plugin wrote.
function cleanup_ironic_openstack_driver {
    sudo rm -f "$IRONIC_OPENSTACK_CLOUDS_YAML"
    rm -rf "$IRONIC_OPENSTACK_DATA_DIR"
}

if is_service_enabled ir-api ir-cond; then
    if [[ "$1" == "stack" ]]; then
        case "$2" in
            install)
                echo_summary "Installing ironic-openstack-driver"
                install_ironic_openstack_driver
                ;;
            post-config)
                echo_summary "Configuring Ironic's openstack hardware type"
                configure_ironic_openstack_driver || \
                    die $LINENO "ironic-openstack-driver: configuration failed"
                ;;
            extra)
                if [[ "$IRONIC_OPENSTACK_UPLOAD_RESCUE_IMAGE" == "True" ]]; then
                    echo_summary "Uploading the iPXE rescue images"
                    ironic_openstack_upload_rescue_images || \
                        die $LINENO "ironic-openstack-driver: rescue image upload failed"
                fi
                if [[ "$IRONIC_OPENSTACK_NODES" -gt 0 ]]; then
                    echo_summary "Creating and enrolling" \
                        "$IRONIC_OPENSTACK_NODES openstack nodes"
                    ironic_openstack_create_nodes || \
                        die $LINENO "ironic-openstack-driver: node enrollment failed"
                fi
                ;;
            test-config)
                if is_service_enabled tempest; then
                    echo_summary "Configuring Tempest for the openstack hardware type"
                    ironic_openstack_configure_tempest
                fi
                ;;
        esac
    elif [[ "$1" == "unstack" ]]; then
        # Nothing to stop: the driver runs inside Ironic's conductor,
        # which Ironic's plugin stops. The servers stay in the host cloud,
        # as machines stay in a rack.
        :
    elif [[ "$1" == "clean" ]]; then
        cleanup_ironic_openstack_driver
    fi
fi
