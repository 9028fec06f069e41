# The LiteLLM proxy serving Kilo Gateway models, built from this checkout: the package is installed
# from the copied sources with its proxy extra (it is not on a package index). From the repository root:
#   docker build -t kilo-litellm-proxy .
#   docker run --rm -p 4000:4000 -e LITELLM_MASTER_KEY=sk-... kilo-litellm-proxy
# It serves the committed litellm_config.yaml; mount another file over /config/litellm_config.yaml
# to serve that one (deploy/compose.yaml mounts the one `kilo-litellm proxy-config --redis` writes).
# KILO_API_KEY and KILO_API_BASE are read when set; free models need no key.
FROM python:3.11-slim

# LITELLM_OFFLINE_MODE: LiteLLM starts on its bundled price list instead of downloading one.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    LITELLM_OFFLINE_MODE=true

WORKDIR /src
COPY . .
RUN pip install ".[proxy]" \
    && groupadd --gid 10001 litellm \
    && useradd --uid 10001 --gid 10001 --create-home litellm
COPY litellm_config.yaml /config/litellm_config.yaml

# Not root; numeric, so that a "must run as non-root" policy (Kubernetes runAsNonRoot) can check it.
USER 10001:10001
WORKDIR /home/litellm
EXPOSE 4000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:4000/health/liveliness', timeout=4)"]
CMD ["litellm", "--config", "/config/litellm_config.yaml", "--host", "0.0.0.0", "--port", "4000"]
