# xpresign serve: the JSON API over plain HTTP, for ECS, EKS or any container
# platform. TLS terminates in front of it (load balancer, ingress, service mesh).
#
# Not built in CI: those machines have no Docker daemon and cannot pull a base
# image. tests/integration/test_serve_container.py runs this file's exact
# ENTRYPOINT (with its ENV) and HEALTHCHECK outside a container instead.
#
#   docker build -t xpresign .
#   docker run -p 8080:8080 -e XPRESIGN_SERVE_TOKEN -e XPRESIGN_BUCKET=... -e AWS_REGION=... xpresign
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The package and its serve extra (granian, uvloop, PyJWT), and nothing of the build left behind.
WORKDIR /build
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN pip install '.[serve]' && rm -rf /build

# A system user with no home and no shell: the server needs to write nothing.
RUN useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin xpresign
USER 10001:10001
WORKDIR /

# Every interface of the container. Off loopback, serve refuses to start
# without a token: set XPRESIGN_SERVE_TOKEN, or pass --token-file PATH to a mounted secret.
ENV XPRESIGN_SERVE_HOST=0.0.0.0 \
    XPRESIGN_SERVE_PORT=8080
EXPOSE 8080

# /healthz needs no token and makes no AWS call.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['XPRESIGN_SERVE_PORT'] + '/healthz', timeout=2)"]

# SIGTERM (docker stop, ECS, Kubernetes) lets in-flight requests finish, then exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["xpresign", "serve"]
