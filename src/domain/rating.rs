//! Citizen satisfaction: the three levels asked at the kiosk and the nine
//! indices of the official survey (Circular 01/2018/TT-VPCP), each scored
//! 2/1/0 (at most 18), and the tallies officials read.
//!
//! The index wording is shortened for a touch screen; the scores and what they
//! measure follow the circular (sources at [`INDICES`]).

use serde::{Deserialize, Serialize};

/// The three levels, stored and sent as 3 / 2 / 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RatingLevel {
    /// 1 Không hài lòng
    Dissatisfied,
    /// 2 Hài lòng
    Satisfied,
    /// 3 Rất hài lòng
    VerySatisfied,
}

impl RatingLevel {
    pub fn value(self) -> u8 {
        match self {
            RatingLevel::Dissatisfied => 1,
            RatingLevel::Satisfied => 2,
            RatingLevel::VerySatisfied => 3,
        }
    }

    pub fn from_value(v: u8) -> Option<Self> {
        match v {
            1 => Some(RatingLevel::Dissatisfied),
            2 => Some(RatingLevel::Satisfied),
            3 => Some(RatingLevel::VerySatisfied),
            _ => None,
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            RatingLevel::Dissatisfied => "Không hài lòng",
            RatingLevel::Satisfied => "Hài lòng",
            RatingLevel::VerySatisfied => "Rất hài lòng",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            RatingLevel::Dissatisfied => "Not satisfied",
            RatingLevel::Satisfied => "Satisfied",
            RatingLevel::VerySatisfied => "Very satisfied",
        }
    }
}

impl Serialize for RatingLevel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.value())
    }
}

impl<'de> Deserialize<'de> for RatingLevel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = u8::deserialize(d)?;
        RatingLevel::from_value(v).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "level must be 3 (rất hài lòng), 2 (hài lòng) or 1 (không hài lòng), not {v}"
            ))
        })
    }
}

/// One of the nine indices: the question and its three answers, best first
/// (scored 2, 1, 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexDef {
    pub key: &'static str,
    pub question_vi: &'static str,
    pub question_en: &'static str,
    pub answers_vi: [&'static str; 3],
    pub answers_en: [&'static str; 3],
}

/// The nine indices of the evaluation of how a procedure was handled (Decree
/// 61/2018/NĐ-CP and Circular 01/2018/TT-VPCP), in the official order. The
/// names follow the provincial evaluation table ("Bảng đánh giá việc giải
/// quyết thủ tục hành chính", Thanh Hóa, read 2026-12-02), shortened for a
/// touch screen:
/// 1. Tổng thời gian giải quyết thủ tục hành chính so với quy định của pháp luật;
/// 2. Thời gian thực hiện của từng cơ quan, đơn vị tham gia giải quyết (kể cả đơn vị phối hợp);
/// 3. Số lần phải liên hệ với nơi tiếp nhận hồ sơ để hoàn thiện hồ sơ (kể cả trực tuyến);
/// 4. Số lượng cơ quan, đơn vị, tổ chức phải liên hệ để hoàn thiện hồ sơ (kể cả trực tuyến);
/// 5. Thực hiện tổ chức tiếp nhận hồ sơ, giải quyết, trả kết quả tại Bộ phận Một cửa;
/// 6. Công khai các thủ tục hành chính;
/// 7. Thái độ của cán bộ, công chức, viên chức khi hướng dẫn lập hồ sơ, tiếp nhận hồ sơ và giải quyết;
/// 8. Tiếp thu, giải trình đối với các ý kiến phản ánh, kiến nghị của tổ chức, cá nhân;
/// 9. Tiến độ và chất lượng cung cấp dịch vụ công trực tuyến của cơ quan có thẩm quyền.
///
/// Each is scored 2/1/0 (the table's "điểm chuẩn" is 2 per index, 18 in all).
/// Convenience and overall satisfaction are not indices: the overall level is
/// the separate three-level question ([`RatingLevel`]). Keys 1-7 are those of
/// earlier versions; 8 and 9 got new keys because they measure something else
/// than the wrongly listed "convenience" and "overall" (stored answers to those
/// were moved aside by migration 9, see `store::ratings::SCHEMA_V9`).
pub const INDICES: [IndexDef; 9] = [
    IndexDef {
        key: "total_time",
        question_vi: "Tổng thời gian giải quyết so với quy định",
        question_en: "Total processing time against the legal limit",
        answers_vi: ["Sớm hơn quy định", "Đúng quy định", "Trễ hơn quy định"],
        answers_en: ["Earlier", "On time", "Late"],
    },
    IndexDef {
        key: "agency_time",
        question_vi: "Thời gian giải quyết tại từng cơ quan, đơn vị",
        question_en: "Time taken at each agency involved",
        answers_vi: ["Sớm hơn quy định", "Đúng quy định", "Trễ hơn quy định"],
        answers_en: ["Earlier", "As required", "Late"],
    },
    IndexDef {
        key: "visits",
        question_vi: "Số lần phải liên hệ nơi tiếp nhận để hoàn thiện hồ sơ",
        question_en: "Times you had to contact the desk to complete the dossier",
        answers_vi: ["Không lần nào", "1 lần", "Nhiều hơn 1 lần"],
        answers_en: ["None", "Once", "More than once"],
    },
    IndexDef {
        key: "agencies",
        question_vi: "Số cơ quan, đơn vị phải liên hệ để hoàn thiện hồ sơ",
        question_en: "Agencies you had to contact to complete the dossier",
        answers_vi: ["Chỉ Bộ phận một cửa", "Thêm 1 cơ quan", "Nhiều cơ quan"],
        answers_en: ["Only the one-stop desk", "One more agency", "Several agencies"],
    },
    IndexDef {
        key: "one_stop",
        question_vi: "Tiếp nhận, giải quyết, trả kết quả tại Bộ phận một cửa",
        question_en: "Reception, handling and return at the one-stop desk",
        answers_vi: ["Đúng quy định", "Còn thiếu sót", "Không đúng quy định"],
        answers_en: ["As required", "With shortcomings", "Not as required"],
    },
    IndexDef {
        key: "publicity",
        question_vi: "Công khai thủ tục hành chính",
        question_en: "Publicity of the procedure",
        answers_vi: ["Đầy đủ, dễ hiểu", "Chưa đầy đủ", "Không công khai"],
        answers_en: ["Complete and clear", "Incomplete", "Not published"],
    },
    IndexDef {
        key: "attitude",
        question_vi: "Thái độ của cán bộ khi hướng dẫn, tiếp nhận, giải quyết",
        question_en: "Officers' attitude when guiding, receiving and handling",
        answers_vi: ["Tận tình, không phiền hà", "Có lúc gây phiền hà", "Nhũng nhiễu, gây phiền hà"],
        answers_en: ["Helpful, no trouble", "Some trouble", "Harassment"],
    },
    IndexDef {
        key: "feedback_handling",
        question_vi: "Tiếp thu, giải trình ý kiến phản ánh, kiến nghị",
        question_en: "Receiving and answering your feedback and petitions",
        answers_vi: ["Được tiếp thu, giải trình đầy đủ", "Giải trình chưa đầy đủ", "Không được tiếp thu"],
        answers_en: ["Heard and answered in full", "Answered only in part", "Not heard"],
    },
    IndexDef {
        key: "online_service",
        question_vi: "Tiến độ và chất lượng dịch vụ công trực tuyến",
        question_en: "Progress and quality of the online public service",
        answers_vi: ["Đúng tiến độ, chất lượng tốt", "Còn chậm hoặc còn lỗi", "Không đáp ứng"],
        answers_en: ["On schedule, good quality", "Slow or with errors", "Not adequate"],
    },
];

/// Keys of earlier versions that named a different question at the same
/// position (8 and 9 were "convenience" and "overall", which are not indices).
pub const RETIRED_KEYS: [(usize, &str); 2] = [(7, "convenience"), (8, "overall")];

/// Highest total of the nine indices.
pub const MAX_INDEX_SCORE: u32 = 18;

/// Answers to the nine indices, each 0, 1 or 2, or unanswered: the indices
/// are optional, one by one, and a citizen may stop after a few.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IndexScores([Option<u8>; 9]);

impl IndexScores {
    /// Exactly nine scores of 0-2, else a message naming the problem.
    pub fn new(scores: &[u8]) -> Result<Self, String> {
        let all: Vec<Option<u8>> = scores.iter().copied().map(Some).collect();
        Self::partial(&all)
    }

    /// Nine slots, each a score of 0-2 or `None` (not answered), at least one
    /// answered; else a message naming the problem.
    pub fn partial(scores: &[Option<u8>]) -> Result<Self, String> {
        let arr: [Option<u8>; 9] = scores
            .try_into()
            .map_err(|_| format!("indices must hold exactly 9 scores, not {}", scores.len()))?;
        if let Some(i) = arr.iter().position(|s| s.is_some_and(|s| s > 2)) {
            return Err(format!("indices[{i}] must be 0, 1 or 2, not {}", arr[i].unwrap_or_default()));
        }
        if arr.iter().all(Option::is_none) {
            return Err("indices must answer at least one of the nine (or be left out)".into());
        }
        Ok(Self(arr))
    }

    pub fn scores(&self) -> [Option<u8>; 9] {
        self.0
    }

    /// All nine answered.
    pub fn is_complete(&self) -> bool {
        self.0.iter().all(Option::is_some)
    }

    /// Total of the answered indices (0-18 when all nine are answered).
    pub fn total(&self) -> u32 {
        self.0.iter().flatten().map(|s| u32::from(*s)).sum()
    }

    /// Stored form: nine characters, a digit per answer and `-` for none,
    /// e.g. `221102222` or `22-------`.
    pub fn to_digits(&self) -> String {
        self.0.iter().map(|s| s.map_or('-', |s| char::from(b'0' + s))).collect()
    }

    pub fn from_digits(s: &str) -> Option<Self> {
        let v: Option<Vec<Option<u8>>> = s
            .chars()
            .map(|c| if c == '-' { Some(None) } else { c.to_digit(10).map(|d| Some(d as u8)) })
            .collect();
        Self::partial(&v?).ok()
    }
}

/// Counts of one group of ratings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub very_satisfied: u32,
    pub satisfied: u32,
    pub dissatisfied: u32,
    /// Ratings that answered at least one of the nine indices.
    pub with_indices: u32,
    /// Ratings that answered all nine (the 0-18 total is only comparable then).
    complete_indices: u32,
    complete_total: u32,
    index_totals: [u32; 9],
    index_counts: [u32; 9],
}

impl Tally {
    pub fn add(&mut self, level: RatingLevel, indices: Option<&IndexScores>) {
        match level {
            RatingLevel::VerySatisfied => self.very_satisfied += 1,
            RatingLevel::Satisfied => self.satisfied += 1,
            RatingLevel::Dissatisfied => self.dissatisfied += 1,
        }
        if let Some(ix) = indices {
            self.with_indices += 1;
            if ix.is_complete() {
                self.complete_indices += 1;
                self.complete_total += ix.total();
            }
            for (i, s) in ix.scores().into_iter().enumerate() {
                if let Some(s) = s {
                    self.index_totals[i] += u32::from(s);
                    self.index_counts[i] += 1;
                }
            }
        }
    }

    pub fn merge(&mut self, other: &Tally) {
        self.very_satisfied += other.very_satisfied;
        self.satisfied += other.satisfied;
        self.dissatisfied += other.dissatisfied;
        self.with_indices += other.with_indices;
        self.complete_indices += other.complete_indices;
        self.complete_total += other.complete_total;
        for i in 0..9 {
            self.index_totals[i] += other.index_totals[i];
            self.index_counts[i] += other.index_counts[i];
        }
    }

    pub fn ratings(&self) -> u32 {
        self.very_satisfied + self.satisfied + self.dissatisfied
    }

    /// Mean level, 1.00 (all dissatisfied) to 3.00 (all very satisfied); 0 without ratings.
    pub fn score(&self) -> f64 {
        let n = self.ratings();
        if n == 0 {
            return 0.0;
        }
        let sum = 3 * self.very_satisfied + 2 * self.satisfied + self.dissatisfied;
        round2(f64::from(sum) / f64::from(n))
    }

    /// Share of satisfied and very satisfied ratings, in percent (0-100).
    pub fn satisfaction_rate(&self) -> f64 {
        let n = self.ratings();
        if n == 0 {
            return 0.0;
        }
        round2(100.0 * f64::from(self.very_satisfied + self.satisfied) / f64::from(n))
    }

    /// Mean total of the nine indices (0-18) over the ratings that answered all nine.
    pub fn index_score_average(&self) -> Option<f64> {
        (self.complete_indices > 0)
            .then(|| round2(f64::from(self.complete_total) / f64::from(self.complete_indices)))
    }

    /// Mean of each index (0-2) over the ratings that answered it, in the
    /// circular's order (0 for an index nobody answered); empty without answers.
    pub fn index_averages(&self) -> Vec<f64> {
        if self.with_indices == 0 {
            return Vec::new();
        }
        self.index_totals
            .iter()
            .zip(self.index_counts)
            .map(|(t, n)| if n == 0 { 0.0 } else { round2(f64::from(*t) / f64::from(n)) })
            .collect()
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_three_two_one() {
        // Must hold: 3/2/1 with the official labels; anything else is refused.
        assert_eq!(RatingLevel::from_value(3).unwrap().label_vi(), "Rất hài lòng");
        assert_eq!(RatingLevel::from_value(2).unwrap().label_vi(), "Hài lòng");
        assert_eq!(RatingLevel::from_value(1).unwrap().label_vi(), "Không hài lòng");
        assert_eq!(RatingLevel::from_value(0), None);
        assert_eq!(RatingLevel::from_value(4), None);
        assert_eq!(serde_json::to_string(&RatingLevel::VerySatisfied).unwrap(), "3");
        assert!(serde_json::from_str::<RatingLevel>("5").unwrap_err().to_string().contains("level must be"));
    }

    #[test]
    fn nine_indices_score_two_one_zero_up_to_eighteen() {
        // Must hold: nine indices each with three answers; a full best score is 18;
        // wrong length or a score above 2 is refused with the position named.
        assert_eq!(INDICES.len(), 9);
        assert!(INDICES.iter().all(|i| i.answers_vi.iter().chain(&i.answers_en).all(|a| !a.is_empty())));
        let best = IndexScores::new(&[2; 9]).unwrap();
        assert_eq!(best.total(), MAX_INDEX_SCORE);
        assert_eq!(IndexScores::new(&[0; 9]).unwrap().total(), 0);
        assert!(IndexScores::new(&[2; 8]).unwrap_err().contains("exactly 9"));
        assert_eq!(
            IndexScores::new(&[2, 2, 3, 0, 0, 0, 0, 0, 0]).unwrap_err(),
            "indices[2] must be 0, 1 or 2, not 3"
        );
        let mixed = IndexScores::new(&[2, 1, 0, 2, 1, 0, 2, 1, 0]).unwrap();
        assert_eq!(mixed.to_digits(), "210210210");
        assert_eq!(IndexScores::from_digits("210210210"), Some(mixed));
        assert_eq!(IndexScores::from_digits("21021021x"), None);
    }

    #[test]
    fn indices_eight_and_nine_are_feedback_and_the_online_service() {
        // Must hold: index 8 is receiving and answering feedback (tiếp thu, giải trình),
        // 9 the online public service; convenience and overall satisfaction are not
        // indices; keys are unique and the retired keys are not reused.
        assert_eq!(INDICES[7].question_vi, "Tiếp thu, giải trình ý kiến phản ánh, kiến nghị");
        assert_eq!(INDICES[8].question_vi, "Tiến độ và chất lượng dịch vụ công trực tuyến");
        assert_eq!((INDICES[7].key, INDICES[8].key), ("feedback_handling", "online_service"));
        let keys: std::collections::HashSet<&str> = INDICES.iter().map(|i| i.key).collect();
        assert_eq!(keys.len(), 9);
        for (pos, old) in RETIRED_KEYS {
            assert!(!keys.contains(old) && INDICES[pos].key != old);
        }
        assert!(INDICES.iter().all(|i| !i.question_vi.to_lowercase().contains("hài lòng")
            && !i.question_vi.to_lowercase().contains("thuận tiện")));
    }

    #[test]
    fn tally_counts_levels_score_and_index_means() {
        // Must hold: counts per level, mean level, satisfaction rate and index means
        // computed over exactly the ratings given.
        let mut t = Tally::default();
        assert_eq!((t.score(), t.satisfaction_rate(), t.index_score_average()), (0.0, 0.0, None));
        t.add(RatingLevel::VerySatisfied, Some(&IndexScores::new(&[2; 9]).unwrap()));
        t.add(RatingLevel::Satisfied, Some(&IndexScores::new(&[1; 9]).unwrap()));
        t.add(RatingLevel::Dissatisfied, None);
        assert_eq!((t.very_satisfied, t.satisfied, t.dissatisfied, t.ratings()), (1, 1, 1, 3));
        assert_eq!(t.score(), 2.0);
        assert_eq!(t.satisfaction_rate(), 66.67);
        assert_eq!(t.index_score_average(), Some(13.5));
        assert_eq!(t.index_averages(), vec![1.5; 9]);
        let mut all = Tally::default();
        all.merge(&t);
        all.merge(&t);
        assert_eq!((all.ratings(), all.with_indices, all.score()), (6, 4, 2.0));
    }

    #[test]
    fn partial_indices_count_per_index_and_not_in_the_total_mean() {
        // Must hold: a citizen may answer only some indices; each index mean is
        // over those who answered it, the 0-18 mean only over complete answers;
        // the stored form keeps the gaps; nothing answered is refused.
        let some =
            IndexScores::partial(&[Some(2), None, Some(0), None, None, None, None, None, None]).unwrap();
        assert!(!some.is_complete());
        assert_eq!((some.total(), some.to_digits().as_str()), (2, "2-0------"));
        assert_eq!(IndexScores::from_digits("2-0------"), Some(some));
        assert!(IndexScores::partial(&[None; 9]).unwrap_err().contains("at least one"));
        assert_eq!(IndexScores::from_digits("---------"), None);
        let mut t = Tally::default();
        t.add(RatingLevel::Satisfied, Some(&some));
        assert_eq!((t.with_indices, t.index_score_average()), (1, None));
        t.add(RatingLevel::Satisfied, Some(&IndexScores::new(&[1; 9]).unwrap()));
        assert_eq!(t.index_score_average(), Some(9.0));
        let means = t.index_averages();
        assert_eq!((means[0], means[1], means[2]), (1.5, 1.0, 0.5));
    }
}
