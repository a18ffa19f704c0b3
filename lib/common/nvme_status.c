#include "lib/common/nvme_status.h"

#include <stddef.h>

#include "drivers/nvme/regs.h"

struct nvme_status_entry {
	uint8_t sct;
	uint8_t sc;
	const char *name;
};

/* NVMe 1.4 §4.6.1.2.1-4: every code the specification defines for the
 * generic, command-specific, media and path status types. */
static const struct nvme_status_entry nvme_status_names[] = {
	{ NVME_SCT_GENERIC, 0x00, "Successful Completion" },
	{ NVME_SCT_GENERIC, 0x01, "Invalid Command Opcode" },
	{ NVME_SCT_GENERIC, 0x02, "Invalid Field in Command" },
	{ NVME_SCT_GENERIC, 0x03, "Command ID Conflict" },
	{ NVME_SCT_GENERIC, 0x04, "Data Transfer Error" },
	{ NVME_SCT_GENERIC, 0x05, "Commands Aborted due to Power Loss Notification" },
	{ NVME_SCT_GENERIC, 0x06, "Internal Error" },
	{ NVME_SCT_GENERIC, 0x07, "Command Abort Requested" },
	{ NVME_SCT_GENERIC, 0x08, "Command Aborted due to SQ Deletion" },
	{ NVME_SCT_GENERIC, 0x09, "Command Aborted due to Failed Fused Command" },
	{ NVME_SCT_GENERIC, 0x0a, "Command Aborted due to Missing Fused Command" },
	{ NVME_SCT_GENERIC, 0x0b, "Invalid Namespace or Format" },
	{ NVME_SCT_GENERIC, 0x0c, "Command Sequence Error" },
	{ NVME_SCT_GENERIC, 0x0d, "Invalid SGL Segment Descriptor" },
	{ NVME_SCT_GENERIC, 0x0e, "Invalid Number of SGL Descriptors" },
	{ NVME_SCT_GENERIC, 0x0f, "Data SGL Length Invalid" },
	{ NVME_SCT_GENERIC, 0x10, "Metadata SGL Length Invalid" },
	{ NVME_SCT_GENERIC, 0x11, "SGL Descriptor Type Invalid" },
	{ NVME_SCT_GENERIC, 0x12, "Invalid Use of Controller Memory Buffer" },
	{ NVME_SCT_GENERIC, 0x13, "PRP Offset Invalid" },
	{ NVME_SCT_GENERIC, 0x14, "Atomic Write Unit Exceeded" },
	{ NVME_SCT_GENERIC, 0x15, "Operation Denied" },
	{ NVME_SCT_GENERIC, 0x16, "SGL Offset Invalid" },
	{ NVME_SCT_GENERIC, 0x18, "Host Identifier Inconsistent Format" },
	{ NVME_SCT_GENERIC, 0x19, "Keep Alive Timer Expired" },
	{ NVME_SCT_GENERIC, 0x1a, "Keep Alive Timeout Invalid" },
	{ NVME_SCT_GENERIC, 0x1b, "Command Aborted due to Preempt and Abort" },
	{ NVME_SCT_GENERIC, 0x1c, "Sanitize Failed" },
	{ NVME_SCT_GENERIC, 0x1d, "Sanitize In Progress" },
	{ NVME_SCT_GENERIC, 0x1e, "SGL Data Block Granularity Invalid" },
	{ NVME_SCT_GENERIC, 0x1f, "Command Not Supported for Queue in CMB" },
	{ NVME_SCT_GENERIC, 0x20, "Namespace is Write Protected" },
	{ NVME_SCT_GENERIC, 0x21, "Command Interrupted" },
	{ NVME_SCT_GENERIC, 0x22, "Transient Transport Error" },
	{ NVME_SCT_GENERIC, 0x80, "LBA Out of Range" },
	{ NVME_SCT_GENERIC, 0x81, "Capacity Exceeded" },
	{ NVME_SCT_GENERIC, 0x82, "Namespace Not Ready" },
	{ NVME_SCT_GENERIC, 0x83, "Reservation Conflict" },
	{ NVME_SCT_GENERIC, 0x84, "Format In Progress" },

	{ NVME_SCT_COMMAND_SPECIFIC, 0x00, "Completion Queue Invalid" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x01, "Invalid Queue Identifier" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x02, "Invalid Queue Size" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x03, "Abort Command Limit Exceeded" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x05, "Asynchronous Event Request Limit Exceeded" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x06, "Invalid Firmware Slot" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x07, "Invalid Firmware Image" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x08, "Invalid Interrupt Vector" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x09, "Invalid Log Page" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x0a, "Invalid Format" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x0b, "Firmware Activation Requires Conventional Reset" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x0c, "Invalid Queue Deletion" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x0d, "Feature Identifier Not Saveable" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x0e, "Feature Not Changeable" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x0f, "Feature Not Namespace Specific" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x10, "Firmware Activation Requires NVM Subsystem Reset" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x11, "Firmware Activation Requires Controller Level Reset" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x12, "Firmware Activation Requires Maximum Time Violation" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x13, "Firmware Activation Prohibited" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x14, "Overlapping Range" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x15, "Namespace Insufficient Capacity" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x16, "Namespace Identifier Unavailable" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x18, "Namespace Already Attached" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x19, "Namespace Is Private" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x1a, "Namespace Not Attached" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x1b, "Thin Provisioning Not Supported" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x1c, "Controller List Invalid" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x1d, "Device Self-test In Progress" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x1e, "Boot Partition Write Prohibited" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x1f, "Invalid Controller Identifier" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x20, "Invalid Secondary Controller State" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x21, "Invalid Number of Controller Resources" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x22, "Invalid Resource Identifier" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x23, "Sanitize Prohibited While Persistent Memory Region is Enabled" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x24, "ANA Group Identifier Invalid" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x25, "ANA Attach Failed" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x80, "Conflicting Attributes" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x81, "Invalid Protection Information" },
	{ NVME_SCT_COMMAND_SPECIFIC, 0x82, "Attempted Write to Read Only Range" },

	{ NVME_SCT_MEDIA, 0x80, "Write Fault" },
	{ NVME_SCT_MEDIA, 0x81, "Unrecovered Read Error" },
	{ NVME_SCT_MEDIA, 0x82, "End-to-end Guard Check Error" },
	{ NVME_SCT_MEDIA, 0x83, "End-to-end Application Tag Check Error" },
	{ NVME_SCT_MEDIA, 0x84, "End-to-end Reference Tag Check Error" },
	{ NVME_SCT_MEDIA, 0x85, "Compare Failure" },
	{ NVME_SCT_MEDIA, 0x86, "Access Denied" },
	{ NVME_SCT_MEDIA, 0x87, "Deallocated or Unwritten Logical Block" },

	{ NVME_SCT_PATH, 0x00, "Internal Path Error" },
	{ NVME_SCT_PATH, 0x01, "Asymmetric Access Persistent Loss" },
	{ NVME_SCT_PATH, 0x02, "Asymmetric Access Inaccessible" },
	{ NVME_SCT_PATH, 0x03, "Asymmetric Access Transition" },
	{ NVME_SCT_PATH, 0x60, "Controller Pathing Error" },
	{ NVME_SCT_PATH, 0x70, "Host Pathing Error" },
	{ NVME_SCT_PATH, 0x71, "Command Aborted By Host" },
};

const char *nvme_sct_name(unsigned sct)
{
	switch (sct) {
	case NVME_SCT_GENERIC:
		return "Generic Command Status";
	case NVME_SCT_COMMAND_SPECIFIC:
		return "Command Specific Status";
	case NVME_SCT_MEDIA:
		return "Media and Data Integrity Error";
	case NVME_SCT_PATH:
		return "Path Related Status";
	case NVME_SCT_VENDOR:
		return "Vendor Specific";
	default:
		return "Reserved Status Code Type";
	}
}

const char *nvme_sc_name(unsigned sct, unsigned sc)
{
	for (size_t i = 0; i < sizeof(nvme_status_names) / sizeof(nvme_status_names[0]); i++)
		if (nvme_status_names[i].sct == sct && nvme_status_names[i].sc == sc)
			return nvme_status_names[i].name;
	return NULL;
}

const char *nvme_status_name(uint16_t status)
{
	unsigned sct = NVME_STATUS_SCT(status);
	const char *name = nvme_sc_name(sct, NVME_STATUS_SC(status));

	return name ? name : nvme_sct_name(sct);
}

const char *nvme_opcode_name(bool admin, uint8_t opc)
{
	if (!admin) {
		switch (opc) {
		case NVME_NVM_FLUSH: return "Flush";
		case NVME_NVM_WRITE: return "Write";
		case NVME_NVM_READ: return "Read";
		case NVME_NVM_WRITE_UNCORRECTABLE: return "Write Uncorrectable";
		case NVME_NVM_COMPARE: return "Compare";
		case NVME_NVM_WRITE_ZEROES: return "Write Zeroes";
		case NVME_NVM_DATASET_MANAGEMENT: return "Dataset Management";
		case NVME_NVM_VERIFY: return "Verify";
		default: return "Unknown Command";
		}
	}
	switch (opc) {
	case NVME_ADMIN_DELETE_IO_SQ: return "Delete I/O Submission Queue";
	case NVME_ADMIN_CREATE_IO_SQ: return "Create I/O Submission Queue";
	case NVME_ADMIN_GET_LOG_PAGE: return "Get Log Page";
	case NVME_ADMIN_DELETE_IO_CQ: return "Delete I/O Completion Queue";
	case NVME_ADMIN_CREATE_IO_CQ: return "Create I/O Completion Queue";
	case NVME_ADMIN_IDENTIFY: return "Identify";
	case NVME_ADMIN_ABORT: return "Abort";
	case NVME_ADMIN_SET_FEATURES: return "Set Features";
	case NVME_ADMIN_GET_FEATURES: return "Get Features";
	case NVME_ADMIN_ASYNC_EVENT_REQUEST: return "Asynchronous Event Request";
	case NVME_ADMIN_NS_MANAGEMENT: return "Namespace Management";
	case NVME_ADMIN_FIRMWARE_COMMIT: return "Firmware Commit";
	case NVME_ADMIN_FIRMWARE_DOWNLOAD: return "Firmware Image Download";
	case NVME_ADMIN_DEVICE_SELF_TEST: return "Device Self-test";
	case NVME_ADMIN_NS_ATTACHMENT: return "Namespace Attachment";
	case NVME_ADMIN_KEEP_ALIVE: return "Keep Alive";
	case NVME_ADMIN_DIRECTIVE_SEND: return "Directive Send";
	case NVME_ADMIN_DIRECTIVE_RECEIVE: return "Directive Receive";
	case NVME_ADMIN_VIRTUALIZATION_MANAGEMENT: return "Virtualization Management";
	case NVME_ADMIN_DOORBELL_BUFFER_CONFIG: return "Doorbell Buffer Config";
	case NVME_ADMIN_FORMAT_NVM: return "Format NVM";
	case NVME_ADMIN_SECURITY_SEND: return "Security Send";
	case NVME_ADMIN_SECURITY_RECEIVE: return "Security Receive";
	case NVME_ADMIN_SANITIZE: return "Sanitize";
	default: return "Unknown Command";
	}
}
