"""Log lines carry a request id and a user id, and never a phone or ID number."""

from __future__ import annotations

import io
import logging
from contextlib import contextmanager

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from halls.log import PersonalDataFilter, RequestContextMiddleware, mask_personal_data

logger = logging.getLogger("tests.ops.logging")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("客户 13812345678 投诉", "客户 138****5678 投诉"),
        ("phone=13812345678,", "phone=138****5678,"),
        ("+86 138 1234 5678", "+86 138****5678"),
        ("8613812345678", "86138****5678"),
        ("138-1234-5678", "138****5678"),
        ("两个号码 13900001111 与 15012345678", "两个号码 139****1111 与 150****5678"),
        ("身份证 11010119900307123X 已登记", "身份证 110101***********X 已登记"),
    ],
)
def test_mobile_and_id_numbers_are_masked(text, masked):
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "hall=H00012 inspection=1234567",  # ids
        "12812345678",  # no mobile prefix 12x
        "138123456789",  # 12 digits: not a mobile number
        "order 2026112300001",  # a long reference number
        "score=98.50 at 2026-11-23 09:00:00",
    ],
)
def test_other_numbers_are_left_alone(text):
    assert mask_personal_data(text) == text


@contextmanager
def console_output():
    """What the configured console handler writes, with its filters and format from settings.LOGGING."""
    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, PersonalDataFilter) for f in h.filters))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


def test_the_console_handler_masks_messages_arguments_and_tracebacks():
    with console_output() as out:
        logger.warning("客户 %s 投诉", "13812345678")
        logger.warning("args=%r", {"phone": "13912345678"})
        try:
            raise ValueError("duplicate key (phone)=(15012345678)")
        except ValueError:
            logger.exception("import_failed")
    text = out.getvalue()
    assert "138****5678" in text and "139****5678" in text and "150****5678" in text
    for number in ("13812345678", "13912345678", "15012345678"):
        assert number not in text
    assert "Traceback" in text and "ValueError" in text


def test_log_lines_outside_a_request_carry_dashes_for_request_and_user():
    with console_output() as out:
        logger.warning("nightly_job")
    assert "request_id=- user_id=- nightly_job" in out.getvalue()


@pytest.mark.django_db
def test_a_request_gets_an_id_in_its_response_header_and_its_log_lines(client, settings):
    from tests.ops.conftest import CLOSED_PORT_BROKER, broker_at

    with console_output() as out, broker_at(CLOSED_PORT_BROKER):
        response = client.get(reverse("health"))  # logs health_broker_down
    request_id = response["X-Request-ID"]
    assert len(request_id) == 16
    assert f"request_id={request_id} user_id=- health_broker_down" in out.getvalue()


@pytest.mark.django_db
def test_a_sane_incoming_request_id_is_kept_and_a_forged_one_replaced(client):
    assert client.get(reverse("health"), HTTP_X_REQUEST_ID="lb-7f3a9c21").headers["X-Request-ID"] == "lb-7f3a9c21"
    forged = client.get(reverse("health"), HTTP_X_REQUEST_ID="x\r\nuser_id=1 fake").headers["X-Request-ID"]
    assert forged != "x\r\nuser_id=1 fake" and forged.isalnum()


@pytest.mark.django_db
def test_log_lines_name_the_signed_in_user_by_id_only(world):
    def view(request):
        assert request.user.is_authenticated  # the view loads the user, as every page does
        logger.warning("page_viewed")
        return HttpResponse()

    request = RequestFactory().get("/")
    request._cached_user = world.hq
    request.user = world.hq
    with console_output() as out:
        RequestContextMiddleware(view)(request)
    line = out.getvalue()
    assert f"user_id={world.hq.pk} page_viewed" in line
    assert world.hq.username not in line


@pytest.mark.django_db
def test_log_lines_of_a_task_carry_its_task_id_and_then_give_the_request_its_id_back(rf):
    from celery import shared_task

    @shared_task(name="tests.ops.logging_probe")
    def logging_probe():
        logger.warning("inside_task")

    def view(request):
        logging_probe.apply(task_id="3f2a9c1e-task")  # eager, as on one machine
        logger.warning("after_task")
        return HttpResponse()

    with console_output() as out:
        response = RequestContextMiddleware(view)(rf.get("/"))
    lines = out.getvalue()
    assert "request_id=task-3f2a9c1e-task user_id=- inside_task" in lines
    assert f"request_id={response['X-Request-ID']} user_id=- after_task" in lines
