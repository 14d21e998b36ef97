// The Queue view's requests to the daemon (see JobRequests.h).
#include "ui/queue/JobRequests.h"

#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace nd {

QString jobActionPath(const Job &job, JobAction action) {
    const QString base = u"/api/jobs/"_s + job.displayId();
    switch (action) {
        case JobAction::cancel:
            return base + u"/cancel"_s;
        case JobAction::hold:
            return base + u"/hold"_s;
        case JobAction::release:
            return base + u"/release"_s;
        case JobAction::requeue:
            return base + u"/requeue"_s;
        case JobAction::resubmit:
            return u"/api/jobs"_s;
        case JobAction::setPriority:
            return base;
    }
    return base;
}

QString jobActionPastTense(JobAction action) {
    switch (action) {
        case JobAction::cancel:
            return u"Cancelled"_s;
        case JobAction::hold:
            return u"Held"_s;
        case JobAction::release:
            return u"Released"_s;
        case JobAction::requeue:
            return u"Requeued"_s;
        case JobAction::resubmit:
            return u"Resubmitted"_s;
        case JobAction::setPriority:
            return u"Changed the priority of"_s;
    }
    return {};
}

QString jobActionVerb(JobAction action) {
    switch (action) {
        case JobAction::cancel:
            return u"cancel"_s;
        case JobAction::hold:
            return u"hold"_s;
        case JobAction::release:
            return u"release"_s;
        case JobAction::requeue:
            return u"requeue"_s;
        case JobAction::resubmit:
            return u"resubmit"_s;
        case JobAction::setPriority:
            return u"change the priority of"_s;
    }
    return {};
}

QJsonObject resubmitSpec(const Job &job) {
    QJsonObject spec = jobSpecToJson(job.spec);
    if (job.isArrayTask())
        spec.remove(u"array"_s);
    return spec;
}

}  // namespace nd
