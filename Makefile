# The two commands: `make run` and `make test` (both set everything up on a fresh machine).
PY ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
SYS_STAMP := $(VENV)/.system-packages

.PHONY: run test trials bench lint screenshots clean system-packages desktop-packages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# System packages the tests need: OpenSSH's server (SFTP tests), PostgreSQL's server (the stores'
# contract suites and team mode: a throwaway cluster per test session), a real X server and a keyboard
# driver for it (the desktop test on a real display), and the X11 libraries of Qt's xcb platform.
system-packages: $(STAMP)
	@if ! command -v sshd >/dev/null 2>&1 && ! test -x /usr/sbin/sshd; then \
		echo "Installing openssh-server (needed by the SFTP tests)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq openssh-server >/dev/null; \
	fi
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "Installing postgresql (needed by the PostgreSQL tests: initdb, postgres)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql >/dev/null; \
	fi
	@if ! command -v Xvfb >/dev/null 2>&1 || ! command -v xdotool >/dev/null 2>&1; then \
		echo "Installing xvfb and xdotool (needed by the desktop test on a real X server)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq xvfb xdotool >/dev/null; \
	fi
	@packaging/qt-xcb-deps.sh $(BIN)/python

# Qt's xcb platform needs X11 libraries a fresh desktop may lack (libxcb-cursor0 and others):
# installed here when apt-get is there, named otherwise.
desktop-packages: $(STAMP)
	@packaging/qt-xcb-deps.sh $(BIN)/python

run: $(STAMP) desktop-packages
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ] && [ -z "$$QT_QPA_PLATFORM" ]; then \
		echo "No display: run this from a desktop session (DISPLAY or WAYLAND_DISPLAY is not set)." >&2; exit 1; \
	fi
	$(BIN)/unitvault-desktop

# Two worker processes (pytest-xdist): each starts its own servers on 127.0.0.1; TEST_WORKERS=0 runs in one.
TEST_WORKERS ?= 2
test: $(TEST_STAMP) system-packages
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -n $(TEST_WORKERS)

trials: $(TEST_STAMP) system-packages
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -m slow

bench: $(TEST_STAMP) system-packages
	@if ! command -v restic >/dev/null 2>&1; then $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq restic >/dev/null; fi
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/run_all.py

screenshots: $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m desktop.screenshots docs/screenshots

lint: $(TEST_STAMP)
	$(BIN)/ruff check core desktop tests bench

clean:
	rm -rf $(VENV) build dist .pytest_cache
