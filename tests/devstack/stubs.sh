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

# Stand-ins for the devstack functions that devstack/plugin.sh and
# devstack/settings call, for tests/devstack/test_plugin.py. Each call of a
# stub that would change the machine is appended to $CALLS instead.
# iniset/iniget edit real ini files (through tests/devstack/ini.py).

function _record {
    echo "$*" >> "$CALLS"
}

function is_service_enabled {
    local service
    for service in "$@"; do
        if [[ ",$ENABLED_SERVICES," == *",$service,"* ]]; then
            return 0
        fi
    done
    return 1
}

function trueorfalse {
    local default=$1 name=$2
    local value=${!name:-$default}
    case "$value" in
        1|yes|Yes|YES|true|True|TRUE|on|On|ON) echo True ;;
        0|no|No|NO|false|False|FALSE|off|Off|OFF) echo False ;;
        *) echo "$default" ;;
    esac
}

function iniset {
    "$PYTHON" "$STUBS_DIR/ini.py" set "$@"
}

function iniget {
    "$PYTHON" "$STUBS_DIR/ini.py" get "$@"
}

function echo_summary {
    echo "summary: $*"
}

function die {
    local lineno=$1
    shift
    echo "die (line $lineno): $*" >&2
    exit 1
}

function define_plugin {
    _record define_plugin "$@"
}

function plugin_requires {
    _record plugin_requires "$@"
}

function setup_develop {
    _record setup_develop "$@"
}

function install_package {
    _record install_package "$@"
}

function sudo {
    "$@"
}

function openstack {
    _record "OS_CLIENT_CONFIG_FILE=$OS_CLIENT_CONFIG_FILE" openstack "$@"
    if [[ " $* " == *" network show "* ]]; then
        [[ "${FAKE_NETWORK_EXISTS:-False}" == "True" ]]
        return
    fi
    return 0
}
