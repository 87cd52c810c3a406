# Build and install libgradient for C and C++ users: needs only cargo, a C compiler and make.
#
#   make                                   cargo build --release, plus the soname link
#   make install PREFIX=/usr/local         the library, headers, pkg-config file, CMake package
#   make uninstall PREFIX=/usr/local       removes exactly what install put there
#
# GNU conventions: PREFIX, LIBDIR, INCLUDEDIR (absolute paths) and DESTDIR (staging: files
# go to $(DESTDIR)$(LIBDIR) and so on, but name $(LIBDIR) inside). `make install` builds
# only when the library is missing or older than a source file (cargo's dep-info file
# target/release/libgradient.d lists them), so `make && sudo make install` runs cargo once,
# as the user.

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
CMAKEDIR ?= $(LIBDIR)/cmake/gradient
DESTDIR ?=

CARGO ?= cargo
CARGO_TARGET_DIR ?= target
INSTALL ?= install
INSTALL_DATA ?= $(INSTALL) -m 644
INSTALL_PROGRAM ?= $(INSTALL) -m 755

# The package version, from Cargo.toml's first top-level `version = "..."` line.
VERSION := $(shell sed -n 's/^version *= *"\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)
version_parts := $(subst ., ,$(firstword $(subst -, ,$(subst +, ,$(VERSION)))))
MAJOR := $(word 1,$(version_parts))
MINOR := $(word 2,$(version_parts))
PATCH := $(word 3,$(version_parts))
# The soname's suffix, by cargo-c's rule (and build.rs's): 0.0.PATCH, 0.MINOR, or MAJOR.
SOVER := $(if $(filter 0,$(MAJOR)),$(if $(filter 0,$(MINOR)),0.0.$(PATCH),0.$(MINOR)),$(MAJOR))
SONAME := libgradient.so.$(SOVER)
REALNAME := libgradient.so.$(MAJOR).$(MINOR).$(PATCH)

# Rust's native static libraries (`cargo rustc --release --lib --crate-type staticlib --
# --print native-static-libs`) less -lgcc_s, which has no static archive: the compiler
# driver links libgcc (libgcc_eh in a -static link) by itself.
NATIVE_STATIC_LIBS := -lutil -lrt -lpthread -lm -ldl -lc
CMAKE_NATIVE_LIBS := util;rt;m;dl
SIZEOF_VOID_P := $(shell expr "$$(getconf LONG_BIT 2>/dev/null || echo 64)" / 8)

RELEASE := $(abspath $(CARGO_TARGET_DIR))/release
SHARED_LIB := $(RELEASE)/libgradient.so
STATIC_LIB := $(RELEASE)/libgradient.a
HEADERS := $(wildcard include/gradient.h include/gradient.hpp)
GENERATED := $(RELEASE)/pkg/gradient.pc $(RELEASE)/pkg/gradientConfig.cmake \
	$(RELEASE)/pkg/gradientConfigVersion.cmake

# A path under PREFIX as seen from the CMake package's directory, so that the package is
# relocatable; a path outside PREFIX stays absolute.
under_prefix = $(filter $(PREFIX)/%,$(1))
relative = $(patsubst $(PREFIX)/%,%,$(1))
cmake_path = $(if $(call under_prefix,$(1)),$${_gradient_prefix}/$(call relative,$(1)),$(1))
space := $() $()
CMAKE_PREFIX := $(if $(call under_prefix,$(CMAKEDIR)),$${CMAKE_CURRENT_LIST_DIR}/$(subst $(space),,$(foreach c,$(subst /, ,$(call relative,$(CMAKEDIR))),../)),$(PREFIX))
pc_path = $(if $(call under_prefix,$(1)),$${prefix}/$(call relative,$(1)),$(1))

.PHONY: all build install uninstall check-dirs FORCE
.DELETE_ON_ERROR:

all: build

build: $(SHARED_LIB) $(STATIC_LIB)
	ln -sf libgradient.so $(RELEASE)/$(SONAME)

# cargo's dep-info file gives the library's prerequisites: every source file it was built
# from. Without it (no build yet) the library is simply missing and gets built.
-include $(RELEASE)/libgradient.d

# cargo leaves the outputs' times alone when nothing changed; touching them keeps make from
# calling cargo again for a prerequisite that changed without effect.
$(STATIC_LIB) $(SHARED_LIB): Cargo.toml Cargo.lock build.rs cbindgen.toml
	$(CARGO) build --release --lib -p ndgradient-capi
	touch $(STATIC_LIB) $(SHARED_LIB)

# Rewritten on every install (FORCE): they depend on the install paths.
$(RELEASE)/pkg/%: pkg/%.in FORCE
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	@sed -e 's|@VERSION@|$(VERSION)|g' \
	    -e 's|@VERSION_MAJOR_MINOR@|$(MAJOR).$(MINOR)|g' \
	    -e 's|@SOVER@|$(SOVER)|g' \
	    -e 's|@SONAME@|$(SONAME)|g' \
	    -e 's|@PREFIX@|$(PREFIX)|g' \
	    -e 's|@PC_LIBDIR@|$(call pc_path,$(LIBDIR))|g' \
	    -e 's|@PC_INCLUDEDIR@|$(call pc_path,$(INCLUDEDIR))|g' \
	    -e 's|@NATIVE_STATIC_LIBS@|$(NATIVE_STATIC_LIBS)|g' \
	    -e 's|@CMAKE_PREFIX@|$(CMAKE_PREFIX)|g' \
	    -e 's|@CMAKE_LIBDIR@|$(call cmake_path,$(LIBDIR))|g' \
	    -e 's|@CMAKE_INCLUDEDIR@|$(call cmake_path,$(INCLUDEDIR))|g' \
	    -e 's|@CMAKE_NATIVE_LIBS@|$(CMAKE_NATIVE_LIBS)|g' \
	    -e 's|@SIZEOF_VOID_P@|$(SIZEOF_VOID_P)|g' \
	    $< > $@

FORCE:

check-dirs:
	@for d in "$(PREFIX)" "$(LIBDIR)" "$(INCLUDEDIR)" "$(PKGCONFIGDIR)" "$(CMAKEDIR)"; do \
	    case "$$d" in /*) ;; *) echo "make: $$d: install directories must be absolute" >&2; exit 1;; esac; \
	done
	@test -n "$(VERSION)" || { echo "make: no version found in Cargo.toml" >&2; exit 1; }

install: check-dirs $(SHARED_LIB) $(STATIC_LIB) $(GENERATED)
	$(INSTALL) -d "$(DESTDIR)$(LIBDIR)" "$(DESTDIR)$(INCLUDEDIR)" \
	    "$(DESTDIR)$(PKGCONFIGDIR)" "$(DESTDIR)$(CMAKEDIR)"
	$(INSTALL_PROGRAM) $(SHARED_LIB) "$(DESTDIR)$(LIBDIR)/$(REALNAME)"
ifneq ($(SONAME),$(REALNAME))
	ln -sf $(REALNAME) "$(DESTDIR)$(LIBDIR)/$(SONAME)"
endif
	ln -sf $(REALNAME) "$(DESTDIR)$(LIBDIR)/libgradient.so"
	$(INSTALL_DATA) $(STATIC_LIB) "$(DESTDIR)$(LIBDIR)/libgradient.a"
	$(INSTALL_DATA) $(HEADERS) "$(DESTDIR)$(INCLUDEDIR)/"
	$(INSTALL_DATA) $(RELEASE)/pkg/gradient.pc "$(DESTDIR)$(PKGCONFIGDIR)/gradient.pc"
	$(INSTALL_DATA) $(RELEASE)/pkg/gradientConfig.cmake \
	    $(RELEASE)/pkg/gradientConfigVersion.cmake "$(DESTDIR)$(CMAKEDIR)/"

# Removes the files install writes, then each directory it may have made that is left
# empty (rmdir removes nothing else); needs no build.
uninstall: check-dirs
	rm -f "$(DESTDIR)$(LIBDIR)/$(REALNAME)" "$(DESTDIR)$(LIBDIR)/$(SONAME)" \
	    "$(DESTDIR)$(LIBDIR)/libgradient.so" "$(DESTDIR)$(LIBDIR)/libgradient.a" \
	    "$(DESTDIR)$(INCLUDEDIR)/gradient.h" "$(DESTDIR)$(INCLUDEDIR)/gradient.hpp" \
	    "$(DESTDIR)$(PKGCONFIGDIR)/gradient.pc" \
	    "$(DESTDIR)$(CMAKEDIR)/gradientConfig.cmake" \
	    "$(DESTDIR)$(CMAKEDIR)/gradientConfigVersion.cmake"
	@for d in "$(CMAKEDIR)" "$(patsubst %/,%,$(dir $(CMAKEDIR)))" "$(PKGCONFIGDIR)" \
	    "$(LIBDIR)" "$(INCLUDEDIR)"; do \
	    rmdir "$(DESTDIR)$$d" 2>/dev/null || true; \
	done
