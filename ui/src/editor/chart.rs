//! Charts of simulation results, drawn with plotters on a canvas.

use journeys_core::simulate::Report;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;

/// Daily contacts and conversions as two lines. Drawing problems leave the canvas blank.
pub fn draw_daily(canvas_id: &str, report: &Report) {
    let _ = try_draw_daily(canvas_id, report);
}

fn try_draw_daily(canvas_id: &str, report: &Report) -> Option<()> {
    let root = CanvasBackend::new(canvas_id)?.into_drawing_area();
    root.fill(&WHITE).ok()?;
    let days = report.days.max(1);
    let top = report.daily.iter().map(|d| d.contacts.max(d.conversions)).max().unwrap_or(0).max(1);
    let mut chart = ChartBuilder::on(&root)
        .caption("Per day", ("sans-serif", 13))
        .margin(6)
        .x_label_area_size(22)
        .y_label_area_size(36)
        .build_cartesian_2d(0u32..days, 0u64..top + top / 10 + 1)
        .ok()?;
    chart.configure_mesh().light_line_style(WHITE).label_style(("sans-serif", 10)).draw().ok()?;
    let contacts = RGBColor(37, 99, 235);
    let conversions = RGBColor(22, 163, 74);
    chart
        .draw_series(LineSeries::new(report.daily.iter().map(|d| (d.day, d.contacts)), contacts.stroke_width(2)))
        .ok()?
        .label("contacts")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 12, y)], contacts.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(report.daily.iter().map(|d| (d.day, d.conversions)), conversions.stroke_width(2)))
        .ok()?
        .label("conversions")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 12, y)], conversions.stroke_width(2)));
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).label_font(("sans-serif", 10)).draw().ok()?;
    root.present().ok()
}

/// Customers entering each step, in journey order: the funnel, as horizontal bars.
pub fn draw_funnel(canvas_id: &str, report: &Report) {
    let _ = try_draw_funnel(canvas_id, report);
}

fn try_draw_funnel(canvas_id: &str, report: &Report) -> Option<()> {
    let root = CanvasBackend::new(canvas_id)?.into_drawing_area();
    root.fill(&WHITE).ok()?;
    let steps: Vec<_> = report.nodes.iter().filter(|n| n.kind != "exit").take(12).collect();
    let top = steps.iter().map(|n| n.entered).max().unwrap_or(0).max(1);
    let rows = steps.len().max(1) as u32;
    let mut chart = ChartBuilder::on(&root)
        .caption("Funnel: customers per step", ("sans-serif", 13))
        .margin(6)
        .x_label_area_size(20)
        .y_label_area_size(84)
        .build_cartesian_2d(0u64..top + top / 10 + 1, (0u32..rows).into_segmented())
        .ok()?;
    let label = |v: &SegmentValue<u32>| match v {
        SegmentValue::CenterOf(i) | SegmentValue::Exact(i) if *i < rows => {
            steps.get((rows - 1 - *i) as usize).map(|n| n.id.chars().take(14).collect()).unwrap_or_default()
        }
        _ => String::new(),
    };
    chart.configure_mesh().disable_y_mesh().light_line_style(WHITE).y_labels(steps.len()).y_label_formatter(&label).label_style(("sans-serif", 10)).draw().ok()?;
    let bar = RGBColor(15, 118, 110);
    // The first step on top, as a funnel reads.
    chart
        .draw_series(steps.iter().enumerate().map(|(i, n)| {
            let row = rows - 1 - i as u32;
            let mut rect = Rectangle::new([(0, SegmentValue::Exact(row)), (n.entered, SegmentValue::Exact(row + 1))], bar.mix(0.75).filled());
            rect.set_margin(2, 2, 0, 0);
            rect
        }))
        .ok()?;
    root.present().ok()
}
