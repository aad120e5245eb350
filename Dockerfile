# The API and worker image: `taskflow serve` or `taskflow worker`.
FROM python:3.11.13-slim-bookworm
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /usr/local/bin/uv
WORKDIR /app
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-default-groups --no-install-project
COPY src ./src
RUN uv sync --frozen --no-default-groups
ENV PATH=/app/.venv/bin:$PATH TASKFLOW_HOST=0.0.0.0
USER nobody
EXPOSE 8000
CMD ["taskflow", "serve"]
