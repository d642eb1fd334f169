FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATABASE_PATH=/data/recharge.sqlite3

WORKDIR /app
COPY pyproject.toml README.md babel.cfg ./
COPY bot ./bot
COPY locales ./locales
COPY faq ./faq
RUN pip install . \
    && for l in en es pt_BR id hi ar ru; do \
        python locales/compile_mo.py "$l" "locales/$l/LC_MESSAGES/bot.po" "locales/$l/LC_MESSAGES/bot.mo"; \
    done \
    && useradd --create-home --uid 10001 bot \
    && mkdir -p /data && chown bot:bot /data

# The package finds its catalogs and content next to it, as in a checkout.
ENV PYTHONPATH=/app
USER bot
VOLUME ["/data"]
ENTRYPOINT ["python", "-m", "bot"]
