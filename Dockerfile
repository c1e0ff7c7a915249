# The app under gunicorn; the database is the postgis/postgis service in docker-compose.yml.
FROM node:20-bookworm AS assets
WORKDIR /src
COPY package.json package-lock.json ./
COPY scripts/assets.py scripts/assets.py
RUN mkdir -p webapp/static && python3 scripts/assets.py

FROM python:3.11-slim-bookworm
# DejaVu Sans for the PDF reports (Swedish letters, ≥, °).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 RISKKARTA_HOME=/var/lib/riskkarta
WORKDIR /app
COPY pyproject.toml README.md ./
COPY webapp webapp
COPY geo geo
COPY layers layers
COPY migrations migrations
COPY --from=assets /src/webapp/static/vendor webapp/static/vendor
RUN pip install --no-cache-dir . && useradd --system --home /var/lib/riskkarta riskkarta \
    && mkdir -p /var/lib/riskkarta/data && chown -R riskkarta /var/lib/riskkarta
USER riskkarta
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-", "webapp:create_app()"]
