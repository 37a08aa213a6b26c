# Lianxin production image. Default: gunicorn on :8000. The same image runs
# `lianxin db upgrade`, `lianxin worker` and `lianxin beat` (see docker-compose.yml).
# Debian 12 (bookworm) variant of python:3.11-slim, so the package names below stay valid.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LIANXIN_ENV=production

# Chinese fonts for the PDF rosters, and WeasyPrint's runtime libraries (Pango, HarfBuzz, fontconfig).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      fonts-wqy-microhei \
      libpango-1.0-0 \
      libpangoft2-1.0-0 \
      libharfbuzz0b \
      libharfbuzz-subset0 \
      libfontconfig1 \
      shared-mime-info \
 && rm -rf /var/lib/apt/lists/*

# Install the distribution itself (not an editable checkout): code, templates, translations,
# migrations and the `lianxin` console script. .dockerignore keeps tests, docs and local state out.
COPY . /tmp/src
RUN pip install /tmp/src && rm -rf /tmp/src

# Non-root. Flask's instance folder for an installed package is <prefix>/var/webapp-instance;
# only beat writes there (its schedule file).
RUN useradd --system --uid 10001 --create-home --home-dir /home/lianxin lianxin \
 && mkdir -p /usr/local/var/webapp-instance \
 && chown lianxin:lianxin /usr/local/var/webapp-instance
USER lianxin
WORKDIR /home/lianxin

EXPOSE 8000
# Tune with GUNICORN_CMD_ARGS, e.g. GUNICORN_CMD_ARGS="--workers 4".
CMD ["gunicorn", "webapp.wsgi:app", "-b", "0.0.0.0:8000", "--access-logfile", "-"]
