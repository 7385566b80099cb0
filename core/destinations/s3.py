"""A destination in an S3 bucket (AWS or any compatible server), through fsspec's ``s3fs``.

Objects live under ``<prefix>/<key>`` in the bucket. A PUT is atomic in S3 (readers see the old or
the new object); objects of 100 MiB and more go up as a multipart upload, which S3 also publishes
atomically when it completes. s3fs's and botocore's own retries are switched off: retrying is the
job of :class:`core.destinations.wrappers.RetryingDestination`, so failures are classified here,
once, and retried there, once.
"""

from __future__ import annotations

import errno
import threading
from collections.abc import Iterator

from core.destinations.base import ExistsViaStat, ObjectInfo, check_key, check_prefix, check_range
from core.errors import DestinationError, ObjectNotFoundError, PermanentDestinationError, TransientDestinationError
from core.logsetup import get_logger, redact
from core.support.text import printable

log = get_logger("destinations.s3")

_AUTH_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "ExpiredToken", "InvalidToken",
               "AuthorizationHeaderMalformed", "InvalidClientTokenId", "AccountProblem", "AllAccessDisabled",
               "UnrecognizedClientException", "403"}
_TRANSIENT_CODES = {"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "RequestTimeTooSkewed",
                    "InternalError", "ServiceUnavailable", "RequestLimitExceeded", "TooManyRequests",
                    "BadDigest", "XAmzContentSHA256Mismatch", "IncompleteBody", "OperationAborted",
                    "500", "502", "503", "504", "429"}


class S3Destination(ExistsViaStat):
    type = "s3"

    def __init__(self, name: str, *, bucket: str, access_key_id: str | None, secret_access_key: bytes | str | None,
                 endpoint: str | None = None, prefix: str = "", region: str | None = None,
                 connect_timeout: float = 10.0, read_timeout: float = 60.0):
        self.name = name
        self.bucket = bucket
        self.endpoint = endpoint or None
        self.region = region or "us-east-1"
        prefix = (prefix or "").strip("/")
        self._prefix = prefix + "/" if prefix else ""
        self._key_id = access_key_id
        self._secret = secret_access_key.decode() if isinstance(secret_access_key, bytes) else secret_access_key
        self._timeouts = (connect_timeout, read_timeout)
        self._fs = None
        self._lock = threading.Lock()
        self._bucket_seen = False

    @property
    def where(self) -> str:
        return redact(f"{(self.endpoint or 'https://s3.amazonaws.com').rstrip('/')}/{self.bucket}")

    # --- the one place errors are classified ----------------------------------------------------
    def _classify(self, exc: BaseException, what: str, key: str | None) -> DestinationError:
        from fsspec.asyn import FSTimeoutError

        if isinstance(exc, DestinationError):
            return exc
        target = f"{key!r} " if key else ""
        where = f"{self.where} (destination {self.name!r})"
        code, status = _client_error(exc)
        if code is not None:
            code = printable(code, limit=60)      # the server's words: escaped before they reach a terminal
            if code in ("NoSuchKey", "404", "NotFound") and key is not None and what in ("read", "stat", "delete"):
                return ObjectNotFoundError(f"Object {key!r} does not exist at destination {self.name!r}.")
            if code == "NoSuchBucket" or (code in ("404", "NotFound") and key is None):
                return PermanentDestinationError(f"The bucket {self.bucket!r} does not exist at {where}.",
                                                 hint="Create the bucket first, or fix the destination's bucket name.")
            if code in _AUTH_CODES or status == 403:
                return PermanentDestinationError(
                    f"{where} refused the credentials (access key or secret) for bucket {self.bucket!r}.",
                    hint="Check the access key id and the secret stored for this destination.")
            if code in _TRANSIENT_CODES or (status is not None and (status >= 500 or status == 429)):
                return TransientDestinationError(f"Cannot {what} {target}at {where}: the server answered {code}.")
            return PermanentDestinationError(f"Cannot {what} {target}at {where}: the server answered {code}.")
        if _is_network_error(exc) or isinstance(exc, (FSTimeoutError, TimeoutError, ConnectionError)):
            return TransientDestinationError(f"Cannot {what} {target}at {where}: {_network_reason(exc)}.")
        if isinstance(exc, FileNotFoundError) and key is not None and what in ("read", "stat"):
            return ObjectNotFoundError(f"Object {key!r} does not exist at destination {self.name!r}.")
        if isinstance(exc, PermissionError):
            return PermanentDestinationError(f"Cannot {what} {target}at {where}: access denied.")
        name = type(exc).__name__
        if name in ("NoCredentialsError", "PartialCredentialsError"):
            return PermanentDestinationError(f"No S3 credentials for destination {self.name!r}.",
                                             hint="Store the secret with 'unitvault destination add'.")
        if name in ("InvalidEndpointError", "ParamValidationError", "ValueError"):
            return PermanentDestinationError(f"Cannot {what} {target}at {where}: invalid request ({name}).")
        log.error("unexpected S3 error %s during %s", name, what, exc_info=exc)
        return PermanentDestinationError(f"Cannot {what} {target}at {where} ({name}).")

    # --- plumbing --------------------------------------------------------------------------------------
    def _get_fs(self):
        with self._lock:
            if self._fs is None:
                from s3fs import S3FileSystem

                connect_timeout, read_timeout = self._timeouts
                self._fs = S3FileSystem(
                    key=self._key_id, secret=self._secret, endpoint_url=self.endpoint, anon=False,
                    client_kwargs={"region_name": self.region},
                    config_kwargs={"retries": {"max_attempts": 1, "mode": "standard"},
                                   "connect_timeout": connect_timeout, "read_timeout": read_timeout},
                    max_concurrency=1, use_listings_cache=False, skip_instance_cache=True, cache_regions=False)
                self._fs.retries = 1  # one attempt: RetryingDestination decides about retries
            return self._fs

    def _call(self, what: str, key: str | None, method: str, **kwargs):
        fs = self._get_fs()
        try:
            return fs.call_s3(method, Bucket=self.bucket, **kwargs)
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise self._classify(exc, what, key) from None

    def _object(self, key: str) -> str:
        return self._prefix + check_key(key)

    def _missing(self, key: str) -> ObjectNotFoundError:
        """A 404 without a body (HEAD) does not say whether the key or the bucket is missing: ask once."""
        if not self._bucket_seen:
            self._call("check the bucket", None, "head_bucket")
            self._bucket_seen = True
        return ObjectNotFoundError(f"Object {key!r} does not exist at destination {self.name!r}.")

    # --- the interface ------------------------------------------------------------------------------
    def put(self, key: str, data: bytes) -> None:
        path = f"{self.bucket}/{self._object(key)}"
        fs = self._get_fs()
        try:
            fs.pipe_file(path, bytes(data))
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise self._classify(exc, "write", key) from None
        self._bucket_seen = True

    def get(self, key: str) -> bytes:
        path = f"{self.bucket}/{self._object(key)}"
        fs = self._get_fs()
        try:
            data = fs.cat_file(path)
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise self._classify(exc, "read", key) from None
        self._bucket_seen = True
        return data

    def get_range(self, key: str, offset: int, length: int) -> bytes:
        obj = self._object(key)
        check_range(offset, length)
        if length == 0:
            self.stat(key)
            return b""
        from fsspec.asyn import sync

        fs = self._get_fs()
        try:
            data = sync(fs.loop, _read_range, fs, self.bucket, obj, offset, length)
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            code, _status = _client_error(exc)
            if code in ("InvalidRange", "416") or (isinstance(exc, OSError) and exc.errno == errno.EINVAL):
                self.stat(key)          # past the end of an object that exists: nothing there
                return b""
            raise self._classify(exc, "read", key) from None
        self._bucket_seen = True
        return data

    def stat(self, key: str) -> ObjectInfo:
        try:
            head = self._call("stat", key, "head_object", Key=self._object(key))
        except ObjectNotFoundError:
            raise self._missing(key) from None
        self._bucket_seen = True
        modified = head.get("LastModified")
        return ObjectInfo(key, int(head.get("ContentLength", 0)), modified.timestamp() if modified else None)

    def delete(self, key: str) -> None:
        try:
            self._call("delete", key, "delete_object", Key=self._object(key))
        except ObjectNotFoundError:
            pass

    def list(self, prefix: str = "") -> Iterator[str]:
        for key, _item in self._items(prefix):
            yield key

    def list_info(self, prefix: str = "") -> Iterator[ObjectInfo]:
        for key, item in self._items(prefix):
            modified = item.get("LastModified")
            yield ObjectInfo(key, int(item.get("Size", 0)), modified.timestamp() if modified else None)

    def _items(self, prefix: str) -> Iterator[tuple[str, dict]]:
        check_prefix(prefix)
        token = None
        cut = len(self._prefix)
        while True:
            kwargs = {"Prefix": self._prefix + prefix}
            if token:
                kwargs["ContinuationToken"] = token
            page = self._call("list", None, "list_objects_v2", **kwargs)
            for item in page.get("Contents", ()):
                key = item["Key"][cut:]
                if _valid(key):
                    yield key, item
            if not page.get("IsTruncated"):
                return
            token = page.get("NextContinuationToken")

    def close(self) -> None:
        with self._lock:
            fs, self._fs = self._fs, None
        if fs is not None:
            try:
                from s3fs import S3FileSystem

                S3FileSystem.close_session(fs.loop, fs.s3)
            except Exception as exc:  # closing is best effort
                log.debug("closing an S3 session failed: %s", type(exc).__name__)

    def __repr__(self) -> str:
        return f"S3Destination({self.name!r}, {self.where})"


async def _read_range(fs, bucket: str, key: str, offset: int, length: int) -> bytes:
    """The asked range, read in pieces and never past ``length`` (even from a server ignoring Range)."""
    resp = await fs._call_s3("get_object", Bucket=bucket, Key=key, Range=f"bytes={offset}-{offset + length - 1}")
    body = resp["Body"]
    parts, got = [], 0
    try:
        while got < length:
            chunk = await body.read(min(1 << 20, length - got))
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
    finally:
        body.close()
    return b"".join(parts)


def _valid(key: str) -> bool:
    try:
        check_key(key)
    except Exception:
        return False
    return True


def _client_error(exc: BaseException) -> tuple[str | None, int | None]:
    """The S3 error code and HTTP status of a botocore ClientError anywhere in the chain."""
    seen = 0
    while exc is not None and seen < 10:
        response = getattr(exc, "response", None)
        if isinstance(response, dict) and "Error" in response:
            code = str(response["Error"].get("Code") or "")
            status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            return code or (str(status) if status else "Unknown"), status
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None, None


def _is_network_error(exc: BaseException) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        module = type(exc).__module__ or ""
        name = type(exc).__name__
        if module.startswith("aiohttp") or name in (
                "EndpointConnectionError", "ConnectionClosedError", "ReadTimeoutError", "ConnectTimeoutError",
                "ConnectionError", "HTTPClientError", "ResponseStreamingError", "IncompleteRead",
                "IncompleteReadError", "ResponseParserError", "ProxyConnectionError", "ServerDisconnectedError",
                "ClientPayloadError", "ClientOSError", "FSTimeoutError"):
            return True
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _network_reason(exc: BaseException) -> str:
    text = " ".join(f"{type(e).__name__}" for e in _chain(exc))
    if "Refused" in text or "EndpointConnectionError" in text or "ClientConnectorError" in text:
        return "cannot connect"
    if "Timeout" in text:
        return "timed out"
    return "the connection was cut"


def _chain(exc: BaseException):
    seen = 0
    while exc is not None and seen < 10:
        yield exc
        exc = exc.__cause__ or exc.__context__
        seen += 1
