# The part of flask-smorest the gateway uses, typed (flask-smorest ships no type information). Its
# decorators document and wire a view without changing the view's own signature, so each is typed as
# returning the function it was given.
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any, TypeVar

from apispec import APISpec
from flask import Blueprint as FlaskBlueprint
from flask import Flask
from marshmallow import Schema

_T = TypeVar("_T")
_Status = int | str | HTTPStatus
_SchemaLike = type[Schema] | Schema | str | dict[str, Any]

class Blueprint(FlaskBlueprint):
    def __init__(self, name: str, import_name: str, *args: Any, description: str | None = ..., **kwargs: Any
                 ) -> None: ...
    def route(self, rule: str, *, parameters: Iterable[Any] | None = ..., tags: Iterable[str] | None = ...,
              **options: Any) -> Callable[[_T], _T]: ...
    def arguments(self, schema: _SchemaLike, *, location: str = ..., content_type: str | None = ...,
                  required: bool = ..., description: str | None = ..., example: Any = ...,
                  examples: Mapping[str, Any] | None = ..., **kwargs: Any) -> Callable[[_T], _T]: ...
    def response(self, status_code: _Status, schema: _SchemaLike | None = ..., *, content_type: str | None = ...,
                 description: str | None = ..., example: Any = ..., examples: Mapping[str, Any] | None = ...,
                 headers: Mapping[str, Any] | None = ...) -> Callable[[_T], _T]: ...
    def alt_response(self, status_code: _Status, response: str | None = ..., *, schema: _SchemaLike | None = ...,
                     content_type: str | None = ..., description: str | None = ..., example: Any = ...,
                     examples: Mapping[str, Any] | None = ..., headers: Mapping[str, Any] | None = ...,
                     success: bool = ...) -> Callable[[_T], _T]: ...
    @staticmethod
    def doc(**kwargs: Any) -> Callable[[_T], _T]: ...

class Api:
    ERROR_SCHEMA: type[Schema]
    spec: APISpec
    def __init__(self, app: Flask | None = ..., *, spec_kwargs: Mapping[str, Any] | None = ...,
                 config_prefix: str = ...) -> None: ...
    def init_app(self, app: Flask, *, spec_kwargs: Mapping[str, Any] | None = ...) -> None: ...
    def register_blueprint(self, blp: Blueprint, *, parameters: Iterable[Any] | None = ..., **options: Any
                           ) -> None: ...
    def _register_responses(self) -> None: ...

def __getattr__(name: str) -> Any: ...
