# One image for every docintel role (watcher, worker, flower, migrate).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    HF_HOME=/models/hf DOCINTEL_HOME=/data

# Tesseract is the CPU OCR engine; libsndfile and ffmpeg decode audio.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tesseract-ocr libsndfile1 ffmpeg \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# torch with CUDA from PyPI; torchvision must come from the same build (Gemma 4 processor).
RUN pip install torch==2.14.1 torchvision==0.29.1
COPY pyproject.toml README.md ./
COPY docintel docintel
COPY config config
COPY watcher watcher
COPY worker worker
COPY models models
COPY store store
COPY pipeline pipeline
COPY migrations migrations
COPY testkit testkit
COPY api api
RUN pip install ".[models,gpu,asr]"

VOLUME ["/data", "/models"]
ENTRYPOINT ["docintel"]
CMD ["--help"]
