#pragma once
// How numbers from the daemon read on screen: GiB with one decimal, "37 %", "41 °C", "118 / 700 W",
// "—" for a value the GPU does not report. One place, so the table, the cards and the status bar agree.
#include <QString>

#include <optional>

#include "core/client/TelemetryFrame.h"

namespace nd::fmt {

// The placeholder for a value the device does not report (NVML returns "not supported" for some).
QString missing();

QString gib(qint64 mib);                                                       // "12.3"
QString memoryUsage(qint64 usedMib, qint64 totalMib);                          // "12.3 / 24.0 GiB"
QString percent(std::optional<double> pct);                                    // "37 %"
QString temperature(std::optional<double> celsius);                            // "41 °C"
QString power(std::optional<double> watts, std::optional<double> limitWatts);  // "118 / 700 W"
QString clock(std::optional<int> mhz);                                         // "1755 MHz"
QString clockTime(qint64 timeMs);                                              // "14:03:07" (local time)

// `text` with its first letter capitalised: messages from core are clauses ("no daemon answers …") that
// the window shows as sentences.
QString sentence(QString text);
// `text` trimmed and without its final full stop(s), for embedding a message inside another sentence.
QString withoutFinalStop(QString text);

// Memory in use as a share of the total, or nothing when the total is unknown.
std::optional<double> memoryPercent(qint64 usedMib, qint64 totalMib);

// The GPU's name as the user should read it: synthetic devices carry a "(synthetic)" suffix so that
// generated numbers can never be mistaken for measured ones.
QString gpuDisplayName(const GpuDevice &gpu);
QString syntheticExplanation();
// "GPU0 37% · 12/24 GiB" for the status bar.
QString gpuSummary(const GpuDevice &gpu);

}  // namespace nd::fmt
