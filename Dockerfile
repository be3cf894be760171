# The bot, content baked in. No token in the image: pass it when the container starts.
#   docker build -t second-course-bot .
#   docker run -d --restart unless-stopped -e TELEGRAM_BOT_TOKEN=... -v bot-data:/data second-course-bot
# Webhook mode: add -e WEBHOOK_URL=https://... -e WEBHOOK_SECRET=... -e WEBHOOK_PORT=8443 -p 8443:8443.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
RUN python -m venv /opt/venv && /opt/venv/bin/pip install .

FROM python:3.11-slim
ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    BOT_PERSISTENCE_PATH=/data/bot-state.pickle
RUN useradd --create-home --uid 10001 bot && mkdir /data && chown bot:bot /data
COPY --from=build /opt/venv /opt/venv
USER bot
WORKDIR /home/bot
VOLUME ["/data"]
EXPOSE 8443
CMD ["python", "-m", "bot"]
