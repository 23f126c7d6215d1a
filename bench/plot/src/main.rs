//! Draws the TSV of `bench/scale.sh` (messages, tool, seconds, peak_rss_kb) as
//! a PNG: import time and import rate against message count, one line per tool.
//!
//! Usage: inbox-bench-plot SCALING.TSV OUT.PNG [MACHINE], MACHINE going into the title.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::register_font;
use std::error::Error;

/// The font of every label (Debian package fonts-dejavu-core).
const FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
/// Line colours (RGB), one per tool in order of first appearance.
const COLORS: [(u8, u8, u8); 4] = [(214, 39, 40), (44, 160, 44), (31, 119, 180), (255, 127, 14)];
const USAGE: &str = "usage: inbox-bench-plot SCALING.TSV OUT.PNG [MACHINE]";

/// One measured import: how many messages, how many seconds of wall time.
struct Sample {
    messages: u32,
    seconds: f64,
}

/// The samples of each tool, sorted by message count, tools in order of first appearance.
type Series = Vec<(String, Vec<Sample>)>;

/// Parses the TSV; a header line starting with `messages` and `#` comments are skipped.
fn parse_tsv(text: &str) -> Result<Series, String> {
    let mut series: Series = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') || line.starts_with("messages\t") {
            continue;
        }
        let bad = |what: &str| format!("line {}: {what}: {line:?}", i + 1);
        let fields: Vec<&str> = line.split('\t').collect();
        let [messages, tool, seconds, _peak_rss_kb] = fields[..] else {
            return Err(bad("expected 4 tab-separated fields"));
        };
        let messages = messages.parse().map_err(|_| bad("messages is not a whole number"))?;
        let seconds: f64 = seconds.parse().map_err(|_| bad("seconds is not a number"))?;
        if !seconds.is_finite() || seconds < 0.0 {
            return Err(bad("seconds must be a finite number >= 0"));
        }
        let sample = Sample { messages, seconds };
        match series.iter_mut().find(|(name, _)| name == tool) {
            Some((_, samples)) => samples.push(sample),
            None => series.push((tool.to_string(), vec![sample])),
        }
    }
    if series.is_empty() {
        return Err("no samples: the file holds no data line".into());
    }
    series.iter_mut().for_each(|(_, samples)| samples.sort_by_key(|s| s.messages));
    Ok(series)
}

/// Draws one chart of `value` (None: point left out) against message count.
fn panel(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    y_desc: &str,
    series: &Series,
    value: impl Fn(&Sample) -> Option<f64>,
) -> Result<(), Box<dyn Error>> {
    let lines: Vec<(&str, Vec<(f64, f64)>)> = series
        .iter()
        .map(|(tool, samples)| {
            let points = samples.iter().filter_map(|s| Some((f64::from(s.messages), value(s)?)));
            (tool.as_str(), points.collect())
        })
        .collect();
    let all = || lines.iter().flat_map(|(_, points)| points.iter());
    let x_max = all().map(|p| p.0).fold(1.0, f64::max) * 1.05;
    let y_max = all().map(|p| p.1).fold(1.0, f64::max) * 1.2;
    let mut chart = ChartBuilder::on(area)
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
    chart
        .configure_mesh()
        .x_desc("messages")
        .y_desc(y_desc)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 18))
        .draw()?;
    for (i, (tool, points)) in lines.into_iter().enumerate() {
        let (r, g, b) = COLORS[i % COLORS.len()];
        let color = RGBColor(r, g, b);
        let dots = points.iter().map(|&p| Circle::new(p, 5, color.filled()));
        chart.draw_series(dots)?;
        chart.draw_series(LineSeries::new(points, color.stroke_width(2)))?.label(tool).legend(
            move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3)),
        );
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 18))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

fn run(args: &[String]) -> Result<(), Box<dyn Error>> {
    let (tsv, png, machine) = match args {
        [tsv, png] => (tsv, png, String::new()),
        [tsv, png, machine] => (tsv, png, format!(": {machine}")),
        _ => return Err(USAGE.into()),
    };
    let text = std::fs::read_to_string(tsv).map_err(|e| format!("cannot read {tsv}: {e}"))?;
    let series = parse_tsv(&text).map_err(|e| format!("{tsv}: {e}"))?;
    let font = std::fs::read(FONT)
        .map_err(|e| format!("{FONT}: {e} (apt-get install fonts-dejavu-core)"))?;
    register_font("sans-serif", FontStyle::Normal, Box::leak(font.into_boxed_slice()))
        .map_err(|_| format!("{FONT} is not a TrueType/OpenType font"))?;
    let root = BitMapBackend::new(png, (1600, 700)).into_drawing_area();
    root.fill(&WHITE)?;
    let title = format!("Import time and rate against message count{machine}");
    let root = root.titled(&title, ("sans-serif", 24))?;
    let (left, right) = root.split_horizontally(800);
    panel(&left, "import time (s)", &series, |s| Some(s.seconds))?;
    let rate = |s: &Sample| (s.seconds > 0.0).then(|| f64::from(s.messages) / s.seconds);
    panel(&right, "import rate (messages/s)", &series, rate)?;
    root.present().map_err(|e| format!("cannot write {png}: {e}"))?;
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = run(&args) {
        eprintln!("inbox-bench-plot: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::parse_tsv;

    #[test]
    fn groups_by_tool_and_sorts_by_messages() {
        let series = parse_tsv("messages\ttool\n9\tmu\t9\t1\n5\tmu\t4\t1\n5\tinbox\t2\t1\n");
        let series = series.unwrap_or_default();
        let tools: Vec<&str> = series.iter().map(|(tool, _)| tool.as_str()).collect();
        assert_eq!(tools, ["mu", "inbox"]);
        let mu: Vec<(u32, f64)> = series[0].1.iter().map(|s| (s.messages, s.seconds)).collect();
        assert_eq!(mu, [(5, 4.0), (9, 9.0)]);
    }

    #[test]
    fn names_the_bad_line() {
        let error = |tsv: &str| parse_tsv(tsv).err().unwrap_or_default();
        assert!(error("1\tmu\t1\t1\n5077\tmu\t4.2\n").starts_with("line 2:"));
        assert!(error("x\tmu\t1\t1\n").contains("whole number"));
        assert!(error("5\tmu\tNaN\t1\n").contains("finite"));
        assert!(error("messages\ttool\tseconds\tpeak_rss_kb\n").contains("no samples"));
    }
}
