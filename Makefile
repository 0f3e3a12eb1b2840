# Safeguard Learn. The two commands: make run, make test.
#
# Without DATABASE_URL, a private PostgreSQL cluster under var/ is created
# and started; with it, that server is used and nothing is created.

SHELL		:= /bin/sh
TOP		:= $(CURDIR)
VAR		:= $(TOP)/var
SOURCES		:= $(wildcard src/*.c src/*.h assets/* assets/*/*) conf/build.conf
SGCTL		:= build/sgctl
OB3TOOL		:= build/ob3tool

# The URLs reach the scripts through the environment, never through the
# shell's quoting: a password may hold any character. $(value ...) keeps
# make from expanding a '$' in one.
ifeq ($(strip $(value DATABASE_URL)),)
export SG_DEV_DB_URL	:= $(shell scripts/db url safeguard)
export SG_TEST_DB_URL	:= $(shell scripts/db url safeguard_test)
EMBEDDED	:= 1
DEV_DB		= DATABASE_URL="$$SG_DEV_DB_URL"
TEST_DB		= DATABASE_URL="$$SG_TEST_DB_URL"
else
EMBEDDED	:= 0
DEV_DB		=
TEST_DB		=
endif

export SG_VAR_DIR := $(VAR)

.PHONY: all run test deps deps-all db db-stop migrate seed seed-large keys build \
	test-unit test-api test-e2e test-fuzz fuzz fuzz-harnesses bench \
	bench-soak clean lint

all: build

deps:
	@scripts/install-deps run

deps-all:
	@scripts/install-deps all

db:
ifeq ($(EMBEDDED),1)
	@scripts/db start safeguard
else
	@echo "db: using DATABASE_URL"
endif

db-stop:
	@scripts/db stop

migrate: db
	@$(DEV_DB) scripts/migrate

seed: migrate $(SGCTL)
	@$(DEV_DB) scripts/seed

# A million enrollments for the reports (LEARNERS, ENROLLMENTS; once a
# database): see scripts/seed-large.sql.
seed-large: migrate
	@$(DEV_DB) LEARNERS="$(LEARNERS)" ENROLLMENTS="$(ENROLLMENTS)" \
	    scripts/seed-large

keys:
	@scripts/keys

build: build/dev/app.so

build/%/app.so: $(SOURCES)
	@scripts/build-app $*

# The Open Badges credential from the command line (tests/api/test_ob3.py).
OB3TOOL_SRC	:= scripts/ob3tool.c src/ob3.c src/ob3_keys.c
$(OB3TOOL): $(OB3TOOL_SRC) src/ob3.h src/ob3_keys.h
	@mkdir -p build
	cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Isrc -o $@ $(OB3TOOL_SRC) \
		-ljwt -ljansson -lcrypto

# What src/package.c needs besides itself (sgctl and its unit test).
PACKAGE_DEPS	:= src/package_manifest.c src/jsonpath.c src/validate.c \
		   src/quiz_question.c
SGCTL_SRC	:= scripts/sgctl.c src/password.c src/package.c $(PACKAGE_DEPS)
$(SGCTL): $(SGCTL_SRC) src/password.h src/package.h src/package_int.h \
		src/jsonpath.h src/validate.h src/quiz_question.h
	@mkdir -p build
	cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -I/usr/include/postgresql \
		-o $@ $(SGCTL_SRC) -lsodium -lzip -lcmark -ljansson -lpq -lm

# The certificate renderer (src/cert_pdf.c) and its command-line tool.
# Lazy (=): pkg-config runs only when a rule needs the flags, after deps.
CERT_PDF_PKGS	:= pangocairo fontconfig libqrencode
CERT_PDF_FLAGS	= $(shell pkg-config --cflags --libs $(CERT_PDF_PKGS))
CERTPDF		:= build/certpdf
$(CERTPDF): scripts/certpdf.c src/cert_pdf.c src/cert_pdf.h
	@mkdir -p build
	cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -o $@ scripts/certpdf.c \
		src/cert_pdf.c $(CERT_PDF_FLAGS) -lpthread

run: deps
	@$(MAKE) --no-print-directory seed keys build/dev/app.so
	@echo "run: serving http://127.0.0.1:8888 (Ctrl-C stops)"
	@if [ -n "$${SMTP_URL:-}" ]; then \
		echo "run: mail goes to the SMTP server of SMTP_URL"; \
	else \
		echo "run: no SMTP_URL: mail is written to $${SG_MAIL_DIR:-var/mail}/<id>.eml (docs/mail.md)"; \
	fi
	@$(DEV_DB) exec kore -f -n -r -c conf/dev.conf

test: deps-all
	@$(MAKE) --no-print-directory db keys $(SGCTL) $(CERTPDF) $(OB3TOOL) build/test/app.so
	@$(TEST_DB) EMBEDDED=$(EMBEDDED) scripts/run-tests

test-unit: $(SGCTL)
	@scripts/run-tests unit fuzz

test-fuzz:
	@scripts/run-tests fuzz

test-api: db keys $(SGCTL) $(CERTPDF) $(OB3TOOL) build/test/app.so
	@$(TEST_DB) EMBEDDED=$(EMBEDDED) scripts/run-tests api

test-e2e: db keys $(SGCTL) build/test/app.so
	@$(TEST_DB) EMBEDDED=$(EMBEDDED) scripts/run-tests e2e

clean:
	rm -rf build out

# No make fmt: clang-format cannot keep this code's style(9) layout
# (declarations aligned on tab stops the author chose, hand-placed
# continuation breaks), so the tree is not a fixed point of any
# .clang-format; see README.md, "Code style".

# cppcheck over src/, in the configuration kodev builds (conf/build.conf,
# kore's features), with the macros of the headers it does not read in
# conf/cppcheck.cfg. A finding fails the target.
lint:
	cppcheck --quiet --error-exitcode=1 \
		--enable=warning,performance,portability \
		--suppress=missingIncludeSystem --library=conf/cppcheck.cfg \
		-D_GNU_SOURCE -DKORE_USE_PGSQL -DKORE_USE_TASKS \
		-I src -I /usr/include/postgresql src

# C unit tests: each tests/unit/X_test.c links the pure module src/X.c.
UNIT_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Wno-unused-parameter -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined -Isrc \
	-I/usr/include/libxml2
UNIT_LIBS_csv := src/validate.c -ljansson
UNIT_LIBS_package := $(PACKAGE_DEPS) -lzip -lcmark -ljansson -lm
UNIT_LIBS_password := src/validate.c
UNIT_LIBS_jwt_header := -ljansson
UNIT_LIBS_cert_pdf = $(CERT_PDF_FLAGS)
UNIT_LIBS_verifycache := src/pubcache.c
UNIT_LIBS_attempt_cache := -ljansson
UNIT_LIBS_lesson_cache := -lz
UNIT_LIBS_metrics := -ljansson
UNIT_LIBS_logline := -ljansson
UNIT_LIBS_ob3 := -ljwt -ljansson -lcrypto
UNIT_LIBS_quiz_question := src/quiz_view.c -ljansson -lm
UNIT_LIBS_quiz_grade := src/quiz_question.c src/quiz_view.c src/quiz_text.c \
	-ljansson -lunistring -lm
UNIT_LIBS_quiz_draw := src/quiz_question.c src/quiz_view.c -ljansson -lm
UNIT_LIBS_quiz_attempt := src/quiz_draw.c src/quiz_grade.c src/quiz_question.c \
	src/quiz_view.c src/quiz_text.c -ljansson -lunistring -lm
UNIT_LIBS_quiz_gift := src/quiz_import.c src/quiz_question.c -ljansson -lxml2 -lm
UNIT_LIBS_quiz_moodle_xml := $(UNIT_LIBS_quiz_gift)
UNIT_TESTS := $(patsubst tests/unit/%.c,build/unit/%,$(wildcard tests/unit/*_test.c))

.PHONY: unit-tests
unit-tests: $(UNIT_TESTS)

build/unit/%_test: tests/unit/%_test.c src/%.c $(wildcard src/*.c src/*.h tests/unit/*.h)
	@mkdir -p build/unit
	cc $(UNIT_CFLAGS) -o $@ $< src/$*.c $(UNIT_LIBS_$*) -lcmocka -lsodium

# Fuzzing ----------------------------------------------------------------------
# tests/fuzz/fuzz_X.c is a libFuzzer harness over pure modules of src/
# (clang's -fsanitize=fuzzer, with ASan and UBSan), its seed corpus in
# tests/fuzz/corpus/X/. make test replays each corpus (scripts/run-tests,
# suite "fuzz"); make fuzz runs each harness FUZZ_SECONDS (default 60),
# keeping what it finds in build/fuzz/work/X and any crash in
# build/fuzz/artifacts/: a crash worth keeping goes into the corpus with
# its fix.
FUZZ_SECONDS	?= 60
FUZZ_CFLAGS	:= -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror \
	-Wno-unused-parameter -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -Isrc -I/usr/include/libxml2
FUZZ_LIBS_validate	:= src/validate.c
FUZZ_LIBS_jsonpath	:= src/jsonpath.c src/validate.c -ljansson
FUZZ_LIBS_csv		:= src/csv.c src/validate.c -ljansson
FUZZ_LIBS_route_match	:= src/route_match.c
FUZZ_LIBS_http_parse	:= src/http_parse.c
FUZZ_LIBS_cert_code	:= src/cert_code.c -lsodium
FUZZ_LIBS_package	:= src/package.c $(PACKAGE_DEPS) -lzip -lcmark \
	-ljansson -lsodium -lm
FUZZ_LIBS_markdown	:= $(FUZZ_LIBS_package)
FUZZ_LIBS_token		:= src/jwt_header.c -ljwt -ljansson -lsodium
FUZZ_LIBS_ob3		:= src/ob3.c -ljwt -ljansson -lcrypto
FUZZ_LIBS_gift		:= src/quiz_gift.c src/quiz_import.c src/quiz_question.c \
	-ljansson -lxml2 -lm
FUZZ_LIBS_moodle_xml	:= src/quiz_moodle_xml.c src/quiz_import.c \
	src/quiz_question.c -ljansson -lxml2 -lm
FUZZ_LIBS_quiz_grade	:= src/quiz_grade.c src/quiz_question.c src/quiz_view.c \
	src/quiz_text.c -ljansson -lunistring -lsodium -lm
FUZZ_LIBS_quiz_draw	:= src/quiz_draw.c src/quiz_attempt.c src/quiz_grade.c \
	src/quiz_question.c src/quiz_view.c src/quiz_text.c -ljansson \
	-lunistring -lsodium -lm
FUZZ_HARNESSES	:= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

fuzz-harnesses: $(FUZZ_HARNESSES:%=build/fuzz/fuzz_%)

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(wildcard src/*.c src/*.h)
	@mkdir -p build/fuzz
	clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIBS_$*)

fuzz: fuzz-harnesses
	@for h in $(FUZZ_HARNESSES); do \
		mkdir -p build/fuzz/work/$$h build/fuzz/artifacts; \
		echo "== fuzz $$h ($(FUZZ_SECONDS) s)"; \
		build/fuzz/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) \
		    -artifact_prefix=build/fuzz/artifacts/$$h- -print_final_stats=1 \
		    build/fuzz/work/$$h tests/fuzz/corpus/$$h 2>build/fuzz/$$h.log; \
		rc=$$?; grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' \
		    build/fuzz/$$h.log | tail -2; \
		echo "corpus: $$(ls tests/fuzz/corpus/$$h | wc -l) seeds, \
		$$(ls build/fuzz/work/$$h | wc -l) found"; \
		[ $$rc -eq 0 ] || { tail -40 build/fuzz/$$h.log; exit 1; }; \
	done

# Benchmarks ------------------------------------------------------------------
# make bench: throughput and latency of the main routes next to a bare Kore
# handler and pgbench, into docs/BENCHMARKS.md (about 5 minutes on 2 cores).
# make bench-soak: 5 minutes of mixed load, watching the server's memory.
# Neither is part of make test or CI. Sizes and load: see scripts/bench.
bench: deps-all
	@$(MAKE) --no-print-directory keys $(SGCTL) build/prod/app.so
	@scripts/bench

bench-soak: deps-all
	@$(MAKE) --no-print-directory keys $(SGCTL) build/prod/app.so
	@scripts/bench-soak
# End of benchmarks -----------------------------------------------------------
