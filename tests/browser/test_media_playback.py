"""The archived copy plays and seeks from whichever storage the stack runs on (CI's S3 leg: a moto bucket
behind presigned redirects), and its URL is a 404 to anyone else."""

import os

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_archived_take_plays_and_seeks_and_is_owner_only(browser, page, stack):
    log_in(page, *stack.create_user("listener"))
    page.goto("/songs/new/")
    page.get_by_label("Title").fill("Tidewater")
    page.get_by_role("textbox", name="Lyrics").fill("[Verse]\nSalt on the window\n[Chorus]\nTidewater home")
    page.get_by_label("Style tags").fill("folk, warm")
    page.get_by_role("button", name="Generate").click()
    card = page.locator(".clip-card").first
    expect(card.get_by_role("link", name="Download MP3")).to_be_visible(timeout=60_000)  # archived

    answers = []
    page.on("response", lambda response: answers.append((response.status, response.url)))
    page.reload()  # the play button now hands over our archived copy, not the upstream's URL
    audio_url = card.locator("[data-play]").get_attribute("data-src")
    assert audio_url.startswith("/songs/clips/")
    page.evaluate("document.getElementById('player-audio').muted = true")
    card.locator("[data-play]").click()
    page.wait_for_function(
        "() => { const a = document.getElementById('player-audio'); return a.readyState >= 1 || a.error; }"
    )
    error = page.evaluate(
        "() => { const a = document.getElementById('player-audio'); return a.error && a.error.message; }"
    )
    assert not error, (error, answers)
    page.wait_for_function("() => document.getElementById('player-audio').currentTime > 0.2")
    target = page.evaluate(
        """() => new Promise(resolve => {
            const audio = document.getElementById('player-audio');
            const target = audio.duration / 2;
            audio.addEventListener('seeked', () => resolve(target), {once: true});
            audio.currentTime = target;
        })"""
    )
    page.wait_for_function(
        "target => document.getElementById('player-audio').currentTime > target + 0.2", arg=target
    )
    state = page.evaluate(
        """() => { const a = document.getElementById('player-audio');
                   return {seekable: a.seekable.length ? a.seekable.end(0) : 0, duration: a.duration,
                           error: a.error && a.error.code}; }"""
    )
    assert state["error"] is None
    assert state["seekable"] >= state["duration"] - 0.5  # the server answered Range: the whole take seeks
    ranged = [url for status, url in answers if status == 206]
    if os.environ.get("MEDIA_STORAGE") == "s3":
        endpoint = os.environ["AWS_S3_ENDPOINT_URL"]
        assert any(url.startswith(endpoint) and "X-Amz-Signature" in url for url in ranged), answers
        assert (302, stack.base_url + audio_url) in answers
        import boto3

        bucket = boto3.client("s3", endpoint_url=endpoint).list_objects_v2(
            Bucket=os.environ["AWS_STORAGE_BUCKET_NAME"], Prefix="clips/"
        )
        assert any(item["Key"].endswith("/audio.mp3") for item in bucket.get("Contents", []))
    else:
        assert any(url == stack.base_url + audio_url for url in ranged), answers

    stranger = browser.new_context(base_url=stack.base_url)
    try:
        other_page = stranger.new_page()
        log_in(other_page, *stack.create_user("stranger"))
        answer = stranger.request.get(audio_url, max_redirects=0)
        assert answer.status == 404
    finally:
        stranger.close()
