# Shared by scripts/test, scripts/demo and tests/bench/run: install what is
# missing, configure and build. Sourced from the project root.

BUILD_DIR=${BUILD_DIR:-build}

ensure_packages () {
  local missing=() pkg
  for pkg in $(grep -v '^#' scripts/debian-packages); do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
      || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing Debian packages: ${missing[*]}"
  local sudo=
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# Configures $BUILD_DIR (with the meson options given) if needed, and
# builds it.
ensure_build () {
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    meson setup "$BUILD_DIR" "$@" >/dev/null || return 1
  fi
  local log
  log=$(ninja -C "$BUILD_DIR" 2>&1) || { printf '%s\n' "$log"; return 1; }
}

# Lets gst-launch-1.0 and gst-inspect-1.0 find the plugins just built.
# ($BUILD_DIR may be relative to the project root, or absolute.)
use_build_plugins () {
  local dir=$BUILD_DIR
  [ "${dir#/}" = "$dir" ] && dir=$PWD/$dir
  export GST_PLUGIN_PATH_1_0="$dir/gst/async:$dir/ext/jpeg:$dir/ext/png${GST_PLUGIN_PATH_1_0:+:$GST_PLUGIN_PATH_1_0}"
}
