# syntax=docker/dockerfile:1
# One image for the API (`serve`, the default), the workers (`worker --queues cpu|gpu`) and the
# migration job (`db upgrade`). Two variants, chosen by the PyTorch build that goes in:
#   docker build -t synthfoundry:cpu .                                        # CPU only
#   docker build --build-arg TORCH_VARIANT=cu128 -t synthfoundry:cuda .       # NVIDIA GPUs
# The CUDA variant brings the CUDA libraries as PyTorch's wheels; the host needs only the NVIDIA
# driver and container toolkit. TORCH_VARIANT names an index of download.pytorch.org/whl/
# (cpu, cu126, cu128, ...) that publishes TORCH_VERSION.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG TORCH_VERSION=2.13.0
ARG TORCH_VARIANT=cpu
ARG EXTRAS=postgres,s3,celery,images,video
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/synthfoundry/bin:$PATH
RUN python -m venv /opt/synthfoundry
# torch first, from the variant's own index: resolved as a dependency from PyPI, pip would fetch
# the CUDA build (gigabytes) even for the CPU image.
RUN pip install --index-url "https://download.pytorch.org/whl/${TORCH_VARIANT}" \
        "torch==${TORCH_VERSION}"
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN pip install ".[${EXTRAS}]" \
    && python -c "import synthfoundry.api, synthfoundry.jobs.backends.celery, psycopg, s3fs"

FROM ${PYTHON_IMAGE} AS runtime
# espeak-ng: the local voice of product videos; DejaVu: captions and title cards; tini: signals
# reach the server and workers (SIGTERM makes running jobs checkpoint) and children are reaped.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends espeak-ng fonts-dejavu-core tini \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 synthfoundry \
    && useradd --system --uid 10001 --gid synthfoundry --home-dir /data \
        --shell /usr/sbin/nologin synthfoundry \
    && mkdir -p /data \
    && chown synthfoundry:synthfoundry /data
COPY --from=build /opt/synthfoundry /opt/synthfoundry
ENV PATH=/opt/synthfoundry/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HOME=/data/huggingface \
    SYNTHFOUNDRY_DATA_DIR=/data \
    SYNTHFOUNDRY_SERVER__HOST=0.0.0.0 \
    SYNTHFOUNDRY_SERVER__PORT=8000 \
    SYNTHFOUNDRY_LOGGING__FORMAT=json
WORKDIR /data
VOLUME ["/data"]
USER 10001:10001
EXPOSE 8000
# For the API; workers serve no HTTP and turn it off (docker-compose.yml).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('SYNTHFOUNDRY_SERVER__PORT', '8000'), timeout=4)"]
ENTRYPOINT ["tini", "--", "synthfoundry"]
CMD ["serve"]
