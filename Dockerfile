# The bot, content baked in. No token in the image: pass it when the container starts.
#   docker build -t second-course-bot .
#   docker run -d --restart unless-stopped -e TELEGRAM_BOT_TOKEN=... -v bot-data:/data second-course-bot
# Webhook mode: add -e WEBHOOK_URL=https://... -e WEBHOOK_SECRET=... -e WEBHOOK_PORT=8443 -p 8443:8443.
#
# The base image is pinned by digest (python:3.11-slim); to move to a newer one, look its digest up
# with `docker buildx imagetools inspect python:3.11-slim` and replace both lines.
# Dependencies are pinned by constraints.txt, the same file CI installs with.

FROM python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7 AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# The dependency layer first: rebuilt only when pyproject.toml or constraints.txt change, not the code.
COPY pyproject.toml constraints.txt ./
RUN python -m venv /opt/venv \
 && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
 && /opt/venv/bin/pip install -c constraints.txt -r requirements.txt
COPY README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
RUN /opt/venv/bin/pip install --no-deps .

FROM python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7
ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    BOT_PERSISTENCE_PATH=/data/bot-state.sqlite3
RUN useradd --create-home --uid 10001 --user-group bot && mkdir /data && chown 10001:10001 /data
COPY --from=build /opt/venv /opt/venv
# Numeric, so that a runtime policy (runAsNonRoot) can verify it without reading /etc/passwd.
USER 10001:10001
WORKDIR /home/bot
VOLUME ["/data"]
EXPOSE 8443
# The running bot touches a heartbeat file every 10 s while its event loop runs; `health` fails once it
# is 30 s old (a wedged loop, a stop that hangs). The start period covers loading the content.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot", "health"]
# `run`, not the default command: without a token the container must fail with one sentence, not open
# the console, read end-of-file and exit 0 into a silent restart loop.
CMD ["python", "-m", "bot", "run"]
