# `make run` and `make test` work on a fresh clone: the first use creates .venv and installs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
LOCALES := en es pt_BR id hi ar ru
PO_FILES := $(foreach l,$(LOCALES),locales/$(l)/LC_MESSAGES/bot.po)
MO_FILES := $(PO_FILES:.po=.mo)
PYTEST_ARGS ?=

.PHONY: run test lint fmt i18n i18n-compile bench clean

run: $(INSTALLED) $(MO_FILES)
	$(BIN)/python -m bot

test: $(INSTALLED) $(MO_FILES) lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check bot tests bench
	$(BIN)/ruff format --check bot tests bench
	$(BIN)/mypy bot

fmt: $(INSTALLED)
	$(BIN)/ruff check --fix bot tests bench
	$(BIN)/ruff format bot tests bench

# Extract every gettext string, merge it into the seven catalogs, compile them.
i18n: $(INSTALLED)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k ngettext:1,2 --no-location --sort-output \
		--project recharge-desk -o locales/bot.pot .
	for l in $(LOCALES); do \
		if [ -f locales/$$l/LC_MESSAGES/bot.po ]; then \
			$(BIN)/pybabel update -D bot -i locales/bot.pot -d locales -l $$l \
				--no-fuzzy-matching --ignore-obsolete --no-wrap; \
		else \
			$(BIN)/pybabel init -D bot -i locales/bot.pot -d locales -l $$l --no-wrap; \
		fi; \
	done
	$(BIN)/python locales/fill_source.py locales/en/LC_MESSAGES/bot.po
	$(MAKE) i18n-compile

i18n-compile: $(MO_FILES)

locales/%/LC_MESSAGES/bot.mo: locales/%/LC_MESSAGES/bot.po $(INSTALLED)
	$(BIN)/python locales/compile_mo.py $* $< $@

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (set PYTHON=python3.12 or similar)"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(INSTALLED)

clean:
	rm -rf $(VENV) $(MO_FILES) locales/bot.pot .mypy_cache .pytest_cache .ruff_cache
