"""Error pages in Chinese; JSON errors under /api."""

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from tenants.context import TenantScopeMissing

_MESSAGES = {
    400: lazy_gettext("请求格式不正确"),
    403: lazy_gettext("您没有执行此操作的权限"),
    404: lazy_gettext("页面或记录不存在"),
    405: lazy_gettext("不支持的请求方法"),
    413: lazy_gettext("上传内容过大"),
    422: lazy_gettext("提交的数据有误"),
    429: lazy_gettext("请求过于频繁，请稍后再试"),
}


def _respond(code: int, message: str) -> Any:
    if request.path.startswith("/api/"):
        # the same shape flask-smorest gives its own aborts: one 404 looks like every other
        status = HTTP_STATUS_CODES.get(code, "Error")
        return jsonify({"code": code, "status": status, "message": message}), code
    return render_template("error.html", code=code, message=message), code


def register_error_handlers(app: Flask) -> None:
    """Map HTTP errors, CSRF failures and a missing tenant scope to clear answers."""

    @app.errorhandler(CSRFError)
    def _csrf(_e: CSRFError) -> Any:
        return _respond(400, _("表单已过期或缺少安全令牌（CSRF），请刷新页面后重试"))

    from webapp.api import api

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException) -> Any:
        if request.path.startswith("/api/") and getattr(e, "data", None):
            return api.handle_http_exception(e)
        code = e.code or 500
        custom = e.description if e.description != type(e).description else None
        return _respond(code, custom or _MESSAGES.get(code, "出错了"))

    @app.errorhandler(TenantScopeMissing)
    def _no_scope(_e: TenantScopeMissing) -> Any:
        return _respond(404, _MESSAGES[404])
