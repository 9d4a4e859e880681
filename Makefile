# The two commands a newcomer needs: `make run` and `make test` (see README).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
# `make run` and `make demo-data` are local development, asked for explicitly (without PORTAL_ENV the
# portal runs as production): random keys made in instance/ on first run (secret_key,
# totp_encryption_key; mode 600), mail written to instance/dev-mail/ when no MAIL_SERVER is set, and
# only this computer is answered.
DEV_MAIL_DIR ?= $(CURDIR)/instance/dev-mail
FLASK := PORTAL_ENV=development DEV_MAIL_DIR="$(DEV_MAIL_DIR)" $(VENV)/bin/flask --app portal
PORT ?= 5000
# Every link the portal writes (emails, sealed documents) uses this address: it follows PORT.
PORTAL_BASE_URL ?= http://127.0.0.1:$(PORT)
export PORTAL_BASE_URL
DEMO_PASSWORD ?= portal demo password
DEMO_TOTP_SECRET ?= JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
JS := portal/static/govuk/govuk-frontend.min.js
OWN_ASSETS := portal/static/favicon.svg portal/static/form-behaviour.mjs portal/static/plain-words.mjs portal/static/session-timeout.mjs portal/static/hours-total.mjs portal/static/pack-progress.mjs
WELSH := portal/translations/cy/LC_MESSAGES/messages.mo

.PHONY: run test install assets translations demo-data clean bench bench-faults mutation

run: install assets
	$(FLASK) db upgrade
	$(FLASK) keys init
	$(FLASK) demo-data --only-if-empty --password "$(DEMO_PASSWORD)" --totp-secret "$(DEMO_TOTP_SECRET)"
	@echo
	@echo "Demo sign-ins (password: $(DEMO_PASSWORD); TOTP secret: $(DEMO_TOTP_SECRET)):"
	@$(VENV)/bin/python -m portal.demo_data
	@echo
	@echo "The portal: $(PORTAL_BASE_URL)"
	@echo "With no MAIL_SERVER, invitations and reset links are written to $(DEV_MAIL_DIR)/"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: install assets
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

assets: portal/static/portal.css $(JS) $(OWN_ASSETS) $(WELSH)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

portal/static/portal.css: assets/portal.scss node_modules/.installed
	npm run --silent build

$(JS): node_modules/.installed
	mkdir -p $(dir $@)
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $@

# Customer-facing Welsh (Flask-Babel). After changing words in portal/customer_words.py: make translations,
# then translate the new entries in portal/translations/cy/LC_MESSAGES/messages.po.
$(WELSH): portal/translations/cy/LC_MESSAGES/messages.po $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d portal/translations --statistics

translations: install
	$(VENV)/bin/pybabel extract -F portal/translations/babel.cfg -k _l --no-location --omit-header -o portal/translations/messages.pot portal
	$(VENV)/bin/pybabel update -i portal/translations/messages.pot -d portal/translations --ignore-obsolete --width 100

portal/static/%.mjs: assets/%.mjs
	mkdir -p $(dir $@)
	cp $< $@

portal/static/%.svg: assets/%.svg
	mkdir -p $(dir $@)
	cp $< $@

demo-data: install
	$(FLASK) db upgrade
	$(FLASK) keys init
	$(FLASK) demo-data --password "$(DEMO_PASSWORD)" --totp-secret "$(DEMO_TOTP_SECRET)"

bench: install
	$(VENV)/bin/python -m bench.run $(BENCH_ARGS)

# Issue 11's load-and-fault harness (not part of `make test`): stops the local PostgreSQL for 20 s (pg_ctlcluster,
# as root), locks two tables, kills a gunicorn worker. See bench/README.md.
bench-faults: install
	$(VENV)/bin/python -m bench.faults $(BENCH_FAULTS_ARGS)

# Issue 15's mutation testing of the rule modules (not part of `make test`; docs/mutation.md): a fresh
# run in mutants/, then the count of each outcome and the surviving mutants.
MUTATION_NAMES := 'portal.services.*' $(foreach f,_decide decisions_for _audiences audience_for \
	_consenting_organisation_id mask_nino _masked may_see,'portal.data_access.x_$(f)__mutmut_*')
MUTATION_MATCH := ^ *(portal\.services\.|portal\.data_access\.x_(_decide|decisions_for|_audiences|audience_for|_consenting_organisation_id|mask_nino|_masked|may_see)__mutmut_)

mutation: install
	rm -rf mutants && mkdir mutants
	time $(VENV)/bin/mutmut run $(MUTATION_NAMES) > mutants/run.log 2>&1 || { tail -c 4000 mutants/run.log; exit 1; }
	@$(VENV)/bin/mutmut results --all true 2>/dev/null | grep -E '$(MUTATION_MATCH)' > mutants/summary.txt
	@echo "Mutants of the rule modules:"; sed 's/.*: //' mutants/summary.txt | sort | uniq -c
	@echo "Survivors (each explained in docs/mutation.md):"; grep -v ': killed$$' mutants/summary.txt || true

clean:
	rm -rf mutants $(VENV) node_modules portal/static instance/*.sqlite3 $(WELSH)
