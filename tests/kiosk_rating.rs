//! The satisfaction rating driven like a citizen would (issue 14 point 2):
//! through Slint's testing backend on a built-in centre with real SQLite.
//! Nothing is sent before "Gửi đánh giá" (or "Bỏ qua" on the questions); the
//! level can be changed until then; the answers given are sent, however few.

mod common;

use common::kiosk::*;
use motcua_kiosk::centre::api::{IssuedTicket, RatingTallyView, SummaryGroup};
use motcua_kiosk::centre::Centre;
use motcua_kiosk::ui::{Nav, Page, RatingAdapter, Session};
use slint::{ComponentHandle, Model};

const MORE: &str = "Trả lời thêm 9 câu hỏi (không bắt buộc)";

/// A ticket issued, called and completed at counter 1 (so it can be rated).
fn serve(h: &Harness, centre: &Centre, key: &str) -> IssuedTicket {
    h.rt.block_on(async {
        let t = centre.issue(common::ticket_request("HT", key)).await.unwrap().ticket;
        centre.call_next(1).await.unwrap();
        centre.complete(1).await.unwrap();
        t
    })
}

fn count(h: &Harness, centre: &Centre) -> u32 {
    h.rt.block_on(centre.rating_count()).unwrap()
}

/// The tally of counter 1's ratings on the centre.
fn counter_1(h: &Harness, centre: &Centre) -> RatingTallyView {
    let summary = h.rt.block_on(centre.rating_summary(None, None, SummaryGroup::Counter)).unwrap();
    summary.groups.into_iter().find(|g| g.key == "1").expect("counter 1 has ratings")
}

/// Scans the ticket's QR: the rating opens on the choice of a level.
fn open_by_scan(h: &Harness, t: &IssuedTicket) {
    h.app.ui.global::<Session>().invoke_wedge_frame(t.tracking_url.as_str().into());
    settle(h);
    let r = h.app.ui.global::<RatingAdapter>();
    assert_eq!(r.get_state(), "choose", "{}", r.get_message());
}

#[test]
fn rating_a_scanned_ticket_then_the_typed_number_is_already_rated() {
    // Must hold: scanning a served ticket's QR opens the rating with its
    // number, counter and officer; a level then "send" stores one rating and
    // thanks the citizen; typing that ticket's number (with its check code)
    // again gives the kind "already rated" message and stores nothing; a
    // second ticket rated with all nine indices stores them (score 18).
    let dir = tempfile::tempdir().unwrap();
    let (h, centre) = kiosk_with_centre(dir.path());
    let (t1, t2) = (serve(&h, &centre, "t1"), serve(&h, &centre, "t2"));
    let ui = &h.app.ui;
    let r = ui.global::<RatingAdapter>();

    ui.global::<Session>().invoke_wedge_frame(t1.tracking_url.as_str().into());
    assert_eq!(ui.global::<Nav>().get_page(), Page::Rating);
    settle(&h);
    assert_eq!(r.get_state(), "choose", "{}", r.get_message());
    assert_eq!((r.get_ticket().as_str(), r.get_counter().as_str()), ("A-001", "Quầy 1"));
    assert_eq!(r.get_officer(), "Trần Thị B.");
    assert_eq!(button(ui, "Gửi đánh giá").accessible_enabled(), Some(false), "nothing chosen yet");
    tap(&h, "Rất hài lòng");
    assert_eq!((r.get_state().as_str(), r.get_level()), ("choose", 3), "a tap selects, it does not send");
    assert_eq!(button(ui, "Rất hài lòng").accessible_checked(), Some(true));
    assert_eq!(button(ui, "Gửi đánh giá").accessible_enabled(), Some(true));
    tap(&h, "Gửi đánh giá");
    settle(&h);
    assert_eq!(r.get_state(), "thanks");
    assert_eq!(count(&h, &centre), 1);
    tap(&h, "Về trang chủ");
    assert_eq!(ui.global::<Nav>().get_page(), Page::Home);

    tap(&h, "Đánh giá hài lòng");
    assert_eq!(r.get_state(), "ask-ticket");
    type_on_keypad(&h, "A1");
    tap(&h, "Tiếp tục");
    // A number alone (called aloud, on the board) names no one's ticket: the
    // check code printed under it is asked first, nothing is looked up yet.
    assert_eq!(
        (r.get_state().as_str(), r.get_ticket().as_str(), r.get_busy()),
        ("ask-check", "A-001", false)
    );
    assert_eq!(button(ui, "Tiếp tục").accessible_enabled(), Some(false), "disabled until four digits");
    type_on_keypad(&h, &t1.check_code[..3]);
    assert_eq!(button(ui, "Tiếp tục").accessible_enabled(), Some(false));
    type_on_keypad(&h, &t1.check_code[3..]);
    tap(&h, "Tiếp tục");
    settle(&h);
    assert_eq!(r.get_state(), "already");
    assert_eq!(r.get_message(), "Vé này đã được đánh giá. Cảm ơn bạn!");
    assert_eq!(count(&h, &centre), 1, "nothing stored for the second attempt");
    tap(&h, "Về trang chủ");

    // A wrong check code is "not found" (the centre says no more), and the
    // citizen types again; the right one opens the rating.
    tap(&h, "Đánh giá hài lòng");
    type_on_keypad(&h, "A-002");
    tap(&h, "Tiếp tục");
    let wrong = format!("{:04}", (t2.check_code.parse::<u32>().unwrap() + 1) % 10_000);
    type_on_keypad(&h, &wrong);
    tap(&h, "Tiếp tục");
    settle(&h);
    assert_eq!(r.get_state(), "error");
    assert!(r.get_message().contains("mã kiểm tra"), "{}", r.get_message());
    tap(&h, "Nhập lại số vé");
    assert_eq!((r.get_state().as_str(), r.get_ticket_input().as_str()), ("ask-ticket", "A-002"));
    tap(&h, "Tiếp tục");
    assert_eq!((r.get_state().as_str(), r.get_check_input().as_str()), ("ask-check", ""));
    type_on_keypad(&h, &t2.check_code);
    tap(&h, "Tiếp tục");
    settle(&h);
    assert_eq!((r.get_state().as_str(), r.get_ticket().as_str()), ("choose", "A-002"));
    tap(&h, "Hài lòng");
    tap(&h, MORE);
    assert_eq!(r.get_state(), "indices");
    assert_eq!(r.get_indices().row_count(), 9);
    for i in 0..9 {
        assert_eq!(r.get_answered(), i);
        r.invoke_choose_index(i, 0);
    }
    assert_eq!(r.get_answered(), 9);
    assert_eq!(r.get_indices().row_data(0).unwrap().chosen, 0);
    tap(&h, "Gửi đánh giá");
    settle(&h);
    assert_eq!(r.get_state(), "thanks");
    let c1 = counter_1(&h, &centre);
    assert_eq!(
        (c1.very_satisfied, c1.satisfied, c1.with_indices, c1.index_score_average),
        (1, 1, 1, Some(18.0))
    );
}

#[test]
fn a_changed_mind_sends_only_the_last_level_once() {
    // Must hold: tapping "Không hài lòng" then "Rất hài lòng" (on the choice,
    // and again after going to the questions and back with "Đổi mức") sends
    // nothing until "Gửi đánh giá"; then the centre holds one rating, the
    // last level chosen.
    let dir = tempfile::tempdir().unwrap();
    let (h, centre) = kiosk_with_centre(dir.path());
    let t = serve(&h, &centre, "t1");
    let r = h.app.ui.global::<RatingAdapter>();
    open_by_scan(&h, &t);
    tap(&h, "Không hài lòng");
    tap(&h, "Rất hài lòng");
    assert_eq!(button(&h.app.ui, "Không hài lòng").accessible_checked(), Some(false));
    tap(&h, MORE);
    assert_eq!(r.get_level_label(), "Rất hài lòng");
    tap(&h, "Đổi mức");
    assert_eq!((r.get_state().as_str(), r.get_level()), ("choose", 3), "back to the faces, level kept");
    tap(&h, "Không hài lòng");
    tap(&h, "Hài lòng");
    settle(&h);
    assert_eq!(count(&h, &centre), 0, "choosing sends nothing");
    tap(&h, "Gửi đánh giá");
    settle(&h);
    assert_eq!(r.get_state(), "thanks");
    assert_eq!(count(&h, &centre), 1);
    let c1 = counter_1(&h, &centre);
    assert_eq!((c1.very_satisfied, c1.satisfied, c1.dissatisfied), (0, 1, 0));
}

#[test]
fn backing_out_before_sending_sends_nothing() {
    // Must hold: a level chosen (and some questions answered) is dropped when
    // the citizen goes home or the idle timeout ends the session: the centre
    // gets nothing and the next citizen sees a fresh rating.
    let dir = tempfile::tempdir().unwrap();
    let (h, centre) = kiosk_with_centre(dir.path());
    let (t1, t2) = (serve(&h, &centre, "t1"), serve(&h, &centre, "t2"));
    let r = h.app.ui.global::<RatingAdapter>();
    open_by_scan(&h, &t1);
    tap(&h, "Không hài lòng");
    tap(&h, MORE);
    r.invoke_choose_index(0, 2);
    tap(&h, "Trang chủ");
    settle(&h);
    assert_eq!(h.app.ui.global::<Nav>().get_page(), Page::Home);
    assert_eq!((r.get_state().as_str(), r.get_level()), ("ask-ticket", 0));
    assert!(!h.app.session_data().contains(&"rating level"));

    open_by_scan(&h, &t2);
    tap(&h, "Không hài lòng");
    seconds(u64::from(motcua_kiosk::config::Config::default().kiosk.idle_timeout_secs) + 1);
    settle(&h);
    assert_eq!(h.app.ui.global::<Nav>().get_page(), Page::Home, "the idle timeout ended the session");
    assert_eq!(count(&h, &centre), 0, "nothing was sent");
}

#[test]
fn skip_sends_the_level_and_the_answers_given_so_far() {
    // Must hold: after two of the nine questions, "Bỏ qua" sends the level
    // with those two answers (the others left out): each index mean counts
    // who answered it, the 0-18 mean only complete answers.
    let dir = tempfile::tempdir().unwrap();
    let (h, centre) = kiosk_with_centre(dir.path());
    let t = serve(&h, &centre, "t1");
    let r = h.app.ui.global::<RatingAdapter>();
    open_by_scan(&h, &t);
    tap(&h, "Rất hài lòng");
    tap(&h, MORE);
    r.invoke_choose_index(0, 0); // total time: earlier (2)
    r.invoke_choose_index(6, 1); // attitude: some trouble (1)
    assert_eq!(r.get_answered(), 2);
    tap(&h, "Bỏ qua");
    settle(&h);
    assert_eq!(r.get_state(), "thanks");
    let c1 = counter_1(&h, &centre);
    assert_eq!((c1.very_satisfied, c1.with_indices, c1.index_score_average), (1, 1, None));
    assert_eq!((c1.index_averages[0], c1.index_averages[6]), (2.0, 1.0));
}
