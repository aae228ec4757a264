//! Synthetic catalogs for benchmarks and load tests: `n` procedures with
//! Vietnamese-looking names, documents and keywords, reproducible from a seed.
//! They are clearly marked as synthetic (`sample: true`, codes from the real
//! pattern but not real procedures).

use crate::domain::procedure::{
    CatalogFile, Channel, Document, Level, Method, OnlineLevel, Procedure, TimeLimit, CATALOG_FORMAT,
};

/// SplitMix64: small, fast, good enough to pick words.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const ACTIONS: &[&str] = &[
    "Đăng ký",
    "Cấp",
    "Cấp lại",
    "Cấp đổi",
    "Gia hạn",
    "Điều chỉnh",
    "Thu hồi",
    "Xác nhận",
    "Công nhận",
    "Thẩm định",
    "Phê duyệt",
    "Chấp thuận",
    "Hỗ trợ",
    "Giải quyết",
    "Thông báo",
    "Chứng thực",
    "Đăng ký thay đổi",
    "Chấm dứt",
];

const OBJECTS: &[&str] = &[
    "giấy phép",
    "giấy chứng nhận",
    "chứng chỉ hành nghề",
    "quyết định",
    "hồ sơ",
    "giấy xác nhận",
    "thẻ",
    "sổ",
    "bản sao",
    "văn bản thỏa thuận",
    "phương án",
    "trợ cấp",
    "chế độ",
    "danh sách",
];

const SUBJECTS: &[&str] = &[
    "hoạt động kinh doanh dịch vụ karaoke",
    "cơ sở giáo dục mầm non",
    "trường tiểu học",
    "cơ sở khám bệnh, chữa bệnh",
    "hộ kinh doanh",
    "hợp tác xã",
    "nhà ở riêng lẻ",
    "công trình xây dựng",
    "phương tiện thủy nội địa",
    "cơ sở sản xuất thực phẩm",
    "đại lý bán lẻ xăng dầu",
    "người có công với cách mạng",
    "người khuyết tật",
    "người cao tuổi",
    "trẻ em có hoàn cảnh đặc biệt",
    "hộ nghèo, hộ cận nghèo",
    "tổ hòa giải ở cơ sở",
    "cơ sở tín ngưỡng, tôn giáo",
    "câu lạc bộ thể dục thể thao",
    "thư viện cộng đồng",
    "điểm cung cấp dịch vụ trò chơi điện tử công cộng",
    "cửa hàng bán lẻ thuốc",
    "nhà văn hóa thôn",
    "đất nông nghiệp",
    "quyền sử dụng đất",
    "tài sản gắn liền với đất",
    "nguồn nước sinh hoạt",
    "chợ truyền thống",
    "lễ hội truyền thống",
    "di tích lịch sử văn hóa",
];

const QUALIFIERS: &[&str] = &[
    "",
    "",
    "",
    "lần đầu",
    "do bị mất, hỏng",
    "có yếu tố nước ngoài",
    "trên địa bàn xã",
    "cấp tỉnh",
    "trong trường hợp thay đổi thông tin",
    "theo hình thức trực tuyến",
    "đối với tổ chức",
    "đối với cá nhân",
];

const EN_ACTIONS: &[&str] =
    &["Registration of", "Issue of", "Reissue of", "Renewal of", "Amendment of", "Confirmation of"];

const EN_OBJECTS: &[&str] = &[
    "business licence",
    "construction permit",
    "certificate of eligibility",
    "practising certificate",
    "household registration",
    "land use rights certificate",
    "social allowance",
    "operating licence",
];

const FIELDS: &[(&str, &str)] = &[
    ("Hộ tịch", "HT"),
    ("Chứng thực", "CT"),
    ("Cư trú", "CU"),
    ("Đất đai", "DD"),
    ("Xây dựng", "DD"),
    ("Hộ kinh doanh", "KD"),
    ("Lao động", "LD"),
    ("Bảo trợ xã hội", "LD"),
    ("Người có công", "LD"),
    ("Văn hóa cơ sở", "KD"),
    ("Giáo dục và Đào tạo", "LD"),
    ("Y tế", "LD"),
    ("Nông nghiệp", "DD"),
    ("Tài nguyên nước", "DD"),
    ("Thể dục thể thao", "KD"),
];

const DOCS: &[&str] = &[
    "Đơn đề nghị",
    "Tờ khai",
    "Bản sao giấy tờ chứng minh nhân thân",
    "Giấy tờ chứng minh chỗ ở hợp pháp",
    "Bản sao Giấy chứng nhận quyền sử dụng đất",
    "Bản vẽ thiết kế",
    "Văn bản ủy quyền",
    "Giấy xác nhận của cơ quan có thẩm quyền",
    "Danh sách thành viên",
    "Báo cáo kết quả hoạt động",
    "Hợp đồng thuê địa điểm",
    "Giấy khám sức khỏe",
    "Biên bản kiểm tra",
    "Ảnh chân dung cỡ 4x6",
];

const KEYWORDS: &[&str] = &[
    "xin giấy",
    "làm giấy",
    "cấp mới",
    "gia hạn",
    "bị mất",
    "đổi tên",
    "mở quán",
    "trợ cấp",
    "giấy phép con",
];

/// A synthetic catalog of `n` procedures (n ≤ 999,999), identical for the same
/// `n` and `seed`.
pub fn generate(n: usize, seed: u64) -> CatalogFile {
    assert!(n < 1_000_000, "synthetic codes have six digits");
    let mut rng = Rng(seed);
    let mut procedures = Vec::with_capacity(n);
    for i in 0..n {
        // 7919 is prime and coprime with 10^6, so `number` is unique per i.
        let number = (i as u64 * 7919 + 13) % 1_000_000;
        let code = format!("{}.{number:06}", 1 + i % 3);
        let (field, service) = FIELDS[rng.below(FIELDS.len())];
        let qualifier = rng.pick(QUALIFIERS);
        let mut name = format!("{} {} {}", rng.pick(ACTIONS), rng.pick(OBJECTS), rng.pick(SUBJECTS));
        if !qualifier.is_empty() {
            name.push(' ');
            name.push_str(qualifier);
        }
        let level = if rng.below(3) == 0 { Level::Tinh } else { Level::Xa };
        let days = [0u32, 1, 3, 5, 7, 10, 15, 20, 30][rng.below(9)];
        let fee = [0u64, 10_000, 20_000, 50_000, 100_000, 150_000, 500_000][rng.below(7)];
        let mut methods = vec![Method {
            channel: Channel::TrucTiep,
            processing_time: if days == 0 {
                "Ngay trong ngày làm việc".to_string()
            } else {
                format!("{days} ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ")
            },
            time: Some(TimeLimit::from_legacy_working_days(days)),
            working_days: None,
            fee: String::new(),
            fee_amount: Some(fee),
            description: "Nộp hồ sơ tại Bộ phận Một cửa".into(),
        }];
        if rng.below(2) == 0 {
            methods.push(Method {
                channel: Channel::TrucTuyen,
                processing_time: methods[0].processing_time.clone(),
                time: Some(TimeLimit::from_legacy_working_days(days)),
                working_days: None,
                fee: String::new(),
                fee_amount: Some(fee / 2),
                description: "Nộp hồ sơ trên Cổng Dịch vụ công quốc gia".into(),
            });
        }
        let documents = (0..2 + rng.below(4))
            .map(|_| Document {
                name: rng.pick(DOCS).to_string(),
                form: (rng.below(3) == 0).then(|| format!("Mẫu số {:02}", 1 + rng.below(20))),
                originals: rng.below(2) as u32 + 1,
                copies: rng.below(2) as u32,
            })
            .collect();
        let keywords = (0..rng.below(3)).map(|_| rng.pick(KEYWORDS).to_string()).collect();
        procedures.push(Procedure {
            code,
            name,
            field: field.to_string(),
            level,
            kind: "TTHC không được luân chuyển".into(),
            agency: if level == Level::Tinh { "Sở chuyên ngành".into() } else { "UBND cấp xã".into() },
            subjects: vec!["Công dân Việt Nam".into(), "Tổ chức".into()],
            steps: vec![
                "Tổ chức, cá nhân nộp hồ sơ".into(),
                "Cơ quan có thẩm quyền tiếp nhận, kiểm tra hồ sơ".into(),
                "Trả kết quả".into(),
            ],
            methods,
            documents,
            conditions: vec![],
            legal_basis: vec!["Văn bản quy phạm pháp luật chuyên ngành".into()],
            result: format!("{} được cấp", rng.pick(OBJECTS)),
            online_level: Some(if rng.below(2) == 0 { OnlineLevel::ToanTrinh } else { OnlineLevel::MotPhan }),
            queue_service: service.to_string(),
            keywords,
            // Half of them with an English name, like a bilingual centre's catalog;
            // chosen without the generator so the Vietnamese part stays as before.
            name_en: (i % 2 == 0).then(|| {
                format!("{} {}", EN_ACTIONS[i % EN_ACTIONS.len()], EN_OBJECTS[(i / 7) % EN_OBJECTS.len()])
            }),
            keywords_en: vec![],
            sources: vec![],
            unverified: vec![],
        });
    }
    CatalogFile {
        format: CATALOG_FORMAT,
        version: "0.0.1".into(),
        sample: true,
        note: format!(
            "Synthetic catalog of {n} procedures (seed {seed}) for benchmarks; not real procedures."
        ),
        procedures,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::procedure::validate;

    #[test]
    fn same_seed_same_catalog() {
        assert_eq!(generate(50, 7), generate(50, 7));
        assert_ne!(generate(50, 7), generate(50, 8));
    }

    #[test]
    fn synthetic_catalogs_are_valid_with_unique_codes() {
        let c = generate(5000, 1);
        assert_eq!(c.procedures.len(), 5000);
        assert_eq!(validate(&c), vec![]);
    }
}
